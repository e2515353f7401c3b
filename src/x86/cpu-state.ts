// The architectural state of the CPU that the monitor and the debugger read and
// write. Execution (src/x86/cpu.ts) extends it; system operations
// (src/x86/system/) act on it. Flags are not here: they are kept lazily by the
// execution engine and read exactly through getEflags()/setEflags().

import { Reg, Seg, flatSegment, type SegmentCache, type TableRegister } from './registers';

export abstract class CpuState {
	/** General registers, indexed by `Reg`. */
	readonly regs = new Int32Array(8);
	/** Offset of the next instruction in CS. */
	eip = 0;
	/** Segment registers with their hidden descriptor caches, indexed by `Seg`. */
	readonly seg: SegmentCache[] = [flatSegment(0, false), flatSegment(0, true), flatSegment(0, false), flatSegment(0, false), flatSegment(0, false), flatSegment(0, false)];
	/** The real current privilege level. */
	cpl = 0;
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
	halted = false;
	/** Guest instructions retired: the machine's virtual time. */
	instructionCount = 0;

	abstract getEflags(): number;
	abstract setEflags(value: number): void;

	reg(r: Reg): number {
		return this.regs[r] >>> 0;
	}

	segment(s: Seg): SegmentCache {
		return this.seg[s];
	}
}
