// QEMU's isa-debug-exit (iobase 0xF4, iosize 4): the guest ends the run by
// writing a value V; the exit status is (V << 1) | 1, so a guest can never
// fake a clean 0 and tests can tell "exited on purpose" from "crashed".

import type { Port } from '../../x86/addresses';
import type { IoSize } from '../../x86/bus';
import type { IoDevice } from '../io-port-bus';

export const DEBUG_EXIT_PORT = 0xf4;

export interface DebugExitState {
	exitCode: number | undefined;
}

export class DebugExit implements IoDevice {
	readonly accessWidth = 4;
	exitCode: number | undefined;
	private readonly listeners = new Set<(exitCode: number) => void>();

	onExit(listener: (exitCode: number) => void): () => void {
		this.listeners.add(listener);
		return () => this.listeners.delete(listener);
	}

	/** The device has nothing to read: the data lines float high. */
	read(_port: Port, size: IoSize): number {
		return size === 4 ? 0xffffffff : (1 << (8 * size)) - 1;
	}

	write(_port: Port, _size: IoSize, value: number): void {
		// The shift is on 32 bits, as in QEMU, so a large V wraps rather than growing.
		const exitCode = ((value << 1) | 1) >>> 0;
		this.exitCode = exitCode;
		for (const listener of this.listeners) listener(exitCode);
	}

	saveState(): DebugExitState {
		return { exitCode: this.exitCode };
	}

	loadState(state: DebugExitState): void {
		this.exitCode = state.exitCode;
	}
}
