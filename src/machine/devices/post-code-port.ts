// Port 0x80, the POST diagnostic port. Kernels write to it as a short I/O
// delay; the last code is kept for the debugger and read back as written.

import type { Port } from '../../x86/addresses';
import type { IoSize } from '../../x86/bus';
import type { IoDevice } from '../io-port-bus';

export const POST_CODE_PORT = 0x80;

export class PostCodePort implements IoDevice {
	readonly accessWidth = 1;
	lastCode = 0;

	read(_port: Port, _size: IoSize): number {
		return this.lastCode;
	}

	write(_port: Port, _size: IoSize, value: number): void {
		this.lastCode = value & 0xff;
	}

	saveState(): { lastCode: number } {
		return { lastCode: this.lastCode };
	}

	loadState(state: { lastCode: number }): void {
		this.lastCode = state.lastCode;
	}
}
