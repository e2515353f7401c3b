// What the monitor needs from the CPU and the PC, as docs/architecture.md
// states it. Kept as structural interfaces so the monitor's parts can be
// tested against small stand-ins as well as the real `Cpu` and `Pc`.

import type { LinearAddress, PhysicalAddress } from '../x86/addresses';
import type { InterruptLine, IoBus, MemoryBus } from '../x86/bus';
import type { CpuException } from '../x86/exceptions';
import type { SystemCpu } from '../x86/system/system-cpu';

export type CpuExitKind = 'budget' | 'stop-address' | 'exception' | 'halt' | 'interrupt' | 'callout-stop';

export interface CpuExit {
	kind: CpuExitKind;
	exception?: CpuException;
}

export interface MonitorWindow {
	linearBase: number;
	bytes: Uint8Array;
}

export interface MonitoredCpu extends SystemCpu {
	run(maxInstructions: number): CpuExit;
	setStopAddresses(addresses: Set<number>): void;
	translate(address: LinearAddress, write: boolean, user: boolean): PhysicalAddress;
	monitorWindow?: MonitorWindow;
	saveState(): unknown;
	loadState(state: unknown): void;
}

export interface MonitoredPc {
	cpu: MonitoredCpu;
	memory: MemoryBus;
	io: IoBus;
	pic: InterruptLine;
	debugExit: { exitCode: number | undefined };
	clock: { nextDeadline(): number | undefined; skipTo(time: number): void; now(): number };
	advanceDevices(): void;
	saveState(): unknown;
	loadState(state: unknown): void;
}
