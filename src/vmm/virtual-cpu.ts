// The guest's privileged state as the guest believes it to be. Under ring
// compression the hardware holds something else (shadow GDT, real ring 1,
// IOPL 0, IF 1); the monitor emulates privileged instructions against this
// and shows it to the debugger as "what the guest sees".

import { restoreSystemRegisters, saveSystemRegisters, SystemRegisters, type SystemRegistersSnapshot } from '../x86/system-registers';

export interface VirtualCpuState extends SystemRegistersSnapshot {
	cpl: number;
	interruptFlag: boolean;
	iopl: number;
}

export class VirtualCpu extends SystemRegisters {
	/** The privilege level the guest believes it runs at. */
	cpl = 0;
	/**
	 * The guest's EFLAGS.IF while it runs at virtual ring 0. At virtual ring 3
	 * the hardware IF is the guest's (the monitor sets it on every entry to
	 * ring 3), because guest user code runs directly.
	 */
	interruptFlag = false;
	iopl = 0;

	saveState(): VirtualCpuState {
		return { cpl: this.cpl, interruptFlag: this.interruptFlag, iopl: this.iopl, ...saveSystemRegisters(this) };
	}

	loadState(s: VirtualCpuState): void {
		this.cpl = s.cpl; this.interruptFlag = s.interruptFlag; this.iopl = s.iopl;
		restoreSystemRegisters(this, s);
	}
}
