// Plain-data snapshots of all architectural state (flags materialised), for
// the debugger's history and future reverse execution.

import { segmentCache, type SegmentCache } from './registers';
import type { FlagState } from './lazy-flags';
import { restoreSystemRegisters, saveSystemRegisters, type SystemRegistersSnapshot } from './system-registers';

export interface CpuSnapshot extends SystemRegistersSnapshot {
	regs: number[];
	eip: number;
	eflags: number;
	seg: SegmentCache[];
	cpl: number;
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
		...saveSystemRegisters(cpu),
		halted: cpu.halted,
		instructionCount: cpu.instructionCount,
	};
}

export function restoreState(cpu: FlagState, s: CpuSnapshot): void {
	cpu.regs.set(s.regs);
	cpu.eip = s.eip;
	cpu.setEflags(s.eflags);
	s.seg.forEach((seg, i) => (cpu.seg[i] = segmentCache(seg)));
	cpu.cpl = s.cpl;
	restoreSystemRegisters(cpu, s);
	cpu.halted = s.halted;
	cpu.instructionCount = s.instructionCount;
}
