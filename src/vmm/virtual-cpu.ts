// The guest's privileged state as the guest believes it to be. Under ring
// compression the hardware holds something else (shadow GDT, real ring 1,
// IOPL 0, IF 1); the monitor emulates privileged instructions against this
// and shows it to the debugger as "what the guest sees".

import { flatSegment, type SegmentCache, type TableRegister } from '../x86/registers';

export interface VirtualCpuState {
	cpl: number;
	interruptFlag: boolean;
	iopl: number;
	cr0: number;
	cr2: number;
	cr3: number;
	cr4: number;
	gdtr: TableRegister;
	idtr: TableRegister;
	ldtr: SegmentCache;
	tr: SegmentCache;
	dr: number[];
	msr: [number, string][];
}

export class VirtualCpu {
	/** The privilege level the guest believes it runs at. */
	cpl = 0;
	/**
	 * The guest's EFLAGS.IF while it runs at virtual ring 0. At virtual ring 3
	 * the hardware IF is the guest's (the monitor sets it on every entry to
	 * ring 3), because guest user code runs directly.
	 */
	interruptFlag = false;
	iopl = 0;
	cr0 = 0x11;
	cr2 = 0;
	cr3 = 0;
	cr4 = 0;
	gdtr: TableRegister = { base: 0, limit: 0xffff };
	idtr: TableRegister = { base: 0, limit: 0x3ff };
	ldtr: SegmentCache = { ...flatSegment(0, false), system: true, type: 2, limit: 0, usable: false };
	tr: SegmentCache = { ...flatSegment(0, false), system: true, type: 0xb, limit: 0, usable: false };
	readonly dr = new Int32Array(8);
	readonly msr = new Map<number, bigint>();

	saveState(): VirtualCpuState {
		return {
			cpl: this.cpl, interruptFlag: this.interruptFlag, iopl: this.iopl,
			cr0: this.cr0, cr2: this.cr2, cr3: this.cr3, cr4: this.cr4,
			gdtr: { ...this.gdtr }, idtr: { ...this.idtr }, ldtr: { ...this.ldtr }, tr: { ...this.tr },
			dr: [...this.dr], msr: [...this.msr].map(([k, v]) => [k, v.toString()]),
		};
	}

	loadState(s: VirtualCpuState): void {
		this.cpl = s.cpl; this.interruptFlag = s.interruptFlag; this.iopl = s.iopl;
		this.cr0 = s.cr0; this.cr2 = s.cr2; this.cr3 = s.cr3; this.cr4 = s.cr4;
		this.gdtr = { ...s.gdtr }; this.idtr = { ...s.idtr }; this.ldtr = { ...s.ldtr }; this.tr = { ...s.tr };
		this.dr.set(s.dr);
		this.msr.clear();
		for (const [k, v] of s.msr) this.msr.set(k, BigInt(v));
	}
}
