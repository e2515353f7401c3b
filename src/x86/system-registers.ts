// The registers that say how the machine is set up rather than what a program
// computes: CR0..CR4, the descriptor-table registers, the debug registers and
// the MSRs. The CPU holds the hardware's; the monitor's virtual CPU holds what
// the guest believes it loaded. Both start from the values here, so a guest that
// never loads a register reads the same value in every mode, and both save to
// the same plain data.

import { flatSegment, type SegmentCache, type TableRegister } from './registers';

/** CR0..CR4, GDTR, IDTR, LDTR and TR; `Segment` is how LDTR and TR are described (a view may draw less of them). */
export interface ControlAndTableRegisters<Segment = SegmentCache> {
	cr0: number;
	cr2: number;
	cr3: number;
	cr4: number;
	gdtr: TableRegister;
	idtr: TableRegister;
	ldtr: Segment;
	tr: Segment;
}

/** The system registers as plain data that survives JSON (history, reverse execution). */
export interface SystemRegistersSnapshot extends ControlAndTableRegisters {
	dr: number[];
	/** bigint does not survive JSON: MSR values are kept as decimal strings. */
	msr: [number, string][];
}

export abstract class SystemRegisters implements ControlAndTableRegisters {
	/** PE and ET: protected mode without paging, the multiboot start state. */
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
}

export function saveSystemRegisters(r: SystemRegisters): SystemRegistersSnapshot {
	return {
		cr0: r.cr0,
		cr2: r.cr2,
		cr3: r.cr3,
		cr4: r.cr4,
		gdtr: { ...r.gdtr },
		idtr: { ...r.idtr },
		ldtr: { ...r.ldtr },
		tr: { ...r.tr },
		dr: Array.from(r.dr),
		msr: [...r.msr].map(([k, v]) => [k, v.toString()]),
	};
}

export function restoreSystemRegisters(r: SystemRegisters, s: SystemRegistersSnapshot): void {
	copyControlAndTableRegisters(r, s);
	r.dr.set(s.dr);
	r.msr.clear();
	for (const [k, v] of s.msr) r.msr.set(k, BigInt(v));
}

/** Makes `to` hold what `from` holds, sharing no object with it. */
export function copySystemRegisters(to: SystemRegisters, from: SystemRegisters): void {
	copyControlAndTableRegisters(to, from);
	to.dr.set(from.dr);
	to.msr.clear();
	for (const [k, v] of from.msr) to.msr.set(k, v);
}

function copyControlAndTableRegisters(to: ControlAndTableRegisters, from: ControlAndTableRegisters): void {
	to.cr0 = from.cr0;
	to.cr2 = from.cr2;
	to.cr3 = from.cr3;
	to.cr4 = from.cr4;
	to.gdtr = { ...from.gdtr };
	to.idtr = { ...from.idtr };
	to.ldtr = { ...from.ldtr };
	to.tr = { ...from.tr };
}
