// The architectural state of the CPU that the monitor and the debugger read and
// write. Execution (src/x86/cpu.ts) extends it; system operations
// (src/x86/system/) act on it. Flags are not here: they are kept lazily by the
// execution engine and read exactly through getEflags()/setEflags(). CR0..CR4,
// GDTR, IDTR, LDTR, TR, DR0..DR7 and the MSRs are the SystemRegisters, shaped
// and reset like the monitor's virtual CPU.

import { ARITH_FLAGS, Reg, Seg, flatSegment, type SegmentCache } from './registers';
import { SystemRegisters } from './system-registers';

export abstract class CpuState extends SystemRegisters {
	/** General registers, indexed by `Reg`. */
	readonly regs = new Int32Array(8);
	/** Offset of the next instruction in CS. */
	eip = 0;
	/** Segment registers with their hidden descriptor caches, indexed by `Seg`. */
	readonly seg: SegmentCache[] = [flatSegment(0, false), flatSegment(0, true), flatSegment(0, false), flatSegment(0, false), flatSegment(0, false), flatSegment(0, false)];
	/** The real current privilege level. */
	cpl = 0;
	halted = false;
	/** Guest instructions retired: the machine's virtual time. */
	instructionCount = 0;

	abstract getEflags(): number;
	abstract setEflags(value: number): void;

	/**
	 * EFLAGS with the arithmetic flags read as 0: all that privilege rules look at
	 * (IF, IOPL, NT, VM ...), without working out the flags the engine keeps lazily.
	 */
	systemFlags(): number {
		return this.getEflags() & ~ARITH_FLAGS;
	}

	reg(r: Reg): number {
		return this.regs[r] >>> 0;
	}

	segment(s: Seg): SegmentCache {
		return this.seg[s];
	}
}
