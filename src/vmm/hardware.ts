// What the monitor needs from the PC, as docs/architecture.md states it. The
// CPU is the real `Cpu` (its run loop, block cache and interrupt line are the
// monitor's levers); the rest of the PC is structural so the monitor does not
// depend on how the machine wires its devices.

import type { InterruptLine, IoBus, MemoryBus } from '../x86/bus';
import type { Cpu } from '../x86/cpu';

export type { CpuExit } from '../x86/run';

export interface MonitoredPc {
	cpu: Cpu;
	/** `attachMonitorMemory` puts the monitor's own memory (shadow tables) on the bus above guest RAM. */
	memory: MemoryBus & { attachMonitorMemory(bytes: Uint8Array): number };
	io: IoBus;
	pic: InterruptLine;
	debugExit: { exitCode: number | undefined; onExit?(listener: (exitCode: number) => void): unknown };
	clock: { nextDeadline(): number | undefined; skipTo(time: number): void; now(): number };
	advanceDevices(): void;
	saveState(): unknown;
	loadState(state: unknown): void;
}
