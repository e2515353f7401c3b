// Plain-data snapshots of all architectural state (flags materialised), for
// the debugger's history and future reverse execution.

import type { SegmentCache, TableRegister } from './registers';
import type { FlagState } from './lazy-flags';

export interface CpuSnapshot {
	regs: number[];
	eip: number;
	eflags: number;
	seg: SegmentCache[];
	cpl: number;
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
	halted: boolean;
	instructionCount: number;
}

export function saveState(cpu: FlagState): CpuSnapshot {
	return {
		regs: Array.from(cpu.regs),
		eip: cpu.eip,
		eflags: cpu.getEflags(),
		seg: cpu.seg.map((s) => ({ ...s })),
		cpl: cpu.cpl,
		cr0: cpu.cr0,
		cr2: cpu.cr2,
		cr3: cpu.cr3,
		cr4: cpu.cr4,
		gdtr: { ...cpu.gdtr },
		idtr: { ...cpu.idtr },
		ldtr: { ...cpu.ldtr },
		tr: { ...cpu.tr },
		dr: Array.from(cpu.dr),
		// bigint does not survive JSON: MSR values are kept as decimal strings.
		msr: [...cpu.msr].map(([k, v]) => [k, v.toString()]),
		halted: cpu.halted,
		instructionCount: cpu.instructionCount,
	};
}

export function restoreState(cpu: FlagState, s: CpuSnapshot): void {
	cpu.regs.set(s.regs);
	cpu.eip = s.eip;
	cpu.setEflags(s.eflags);
	s.seg.forEach((seg, i) => (cpu.seg[i] = { ...seg }));
	cpu.cpl = s.cpl;
	cpu.cr0 = s.cr0;
	cpu.cr2 = s.cr2;
	cpu.cr3 = s.cr3;
	cpu.cr4 = s.cr4;
	cpu.gdtr = { ...s.gdtr };
	cpu.idtr = { ...s.idtr };
	cpu.ldtr = { ...s.ldtr };
	cpu.tr = { ...s.tr };
	cpu.dr.set(s.dr);
	cpu.msr.clear();
	for (const [k, v] of s.msr) cpu.msr.set(k, BigInt(v));
	cpu.halted = s.halted;
	cpu.instructionCount = s.instructionCount;
}
