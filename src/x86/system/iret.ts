// IRET in protected mode: return to the same ring or to an outer ring. Nested
// task returns (EFLAGS.NT) and returns to virtual-8086 mode are not
// implemented and raise #GP(0).

import { CpuException, Vector } from '../exceptions';
import { EFLAGS_FIXED, Flag, IOPL_SHIFT, Seg, type SegmentCache } from '../registers';
import { checkReturnCode, checkReturnStack, currentStack, setEsp } from './far-transfers';
import { markAccessed } from './descriptors';
import { enterCodeSegment, revalidateDataSegments } from './segments';
import { isNullSelector, selectorRpl } from './selectors';
import type { SystemCpu } from './system-cpu';

const ALWAYS_RESTORED = Flag.CF | Flag.PF | Flag.AF | Flag.ZF | Flag.SF | Flag.TF | Flag.DF | Flag.OF | Flag.NT | Flag.RF | Flag.AC | Flag.ID;

/**
 * The EFLAGS an IRET (or POPF) executed at `cpl` produces from the popped value:
 * IOPL and VIF/VIP change only at CPL 0, IF only when CPL <= IOPL. These are the
 * rules that make IRET silently lose IF at ring 1.
 */
export function eflagsAfterIret(current: number, popped: number, cpl: number): number {
	const iopl = (current & Flag.IOPL) >>> IOPL_SHIFT;
	let restored = ALWAYS_RESTORED;
	if (cpl === 0) restored |= Flag.IOPL | Flag.VIF | Flag.VIP;
	if (cpl <= iopl) restored |= Flag.IF;
	return ((current & ~restored) | (popped & restored) | EFLAGS_FIXED) >>> 0;
}

export function iret(cpu: SystemCpu): void {
	// The popped value replaces every arithmetic flag: they need not be worked out.
	const current = cpu.systemFlags();
	if (current & Flag.NT) throw new CpuException(Vector.GP, 0);
	const stack = currentStack(cpu);
	const eip = stack.pop32();
	const csSelector = stack.pop32() & 0xffff;
	const popped = stack.pop32();
	if (popped & Flag.VM && cpu.cpl === 0) throw new CpuException(Vector.GP, 0);
	const code = checkReturnCode(cpu, csSelector);
	const rpl = selectorRpl(csSelector);
	const eflags = eflagsAfterIret(current, popped, cpu.cpl);
	const outward = rpl !== cpu.cpl;
	let esp = stack.esp;
	let outerSs: SegmentCache | undefined;
	if (outward) {
		esp = stack.pop32();
		outerSs = checkReturnStack(cpu, stack.pop32() & 0xffff, rpl);
	}
	if (eip > code.limit) throw new CpuException(Vector.GP, 0);
	const accessed = markAccessed(cpu, csSelector, code);

	if (outerSs !== undefined) cpu.seg[Seg.SS] = outerSs;
	setEsp(cpu, esp);
	enterCodeSegment(cpu, csSelector, accessed, rpl);
	cpu.eip = eip;
	cpu.setEflags(eflags);
	if (outward) revalidateDataSegments(cpu);
}

/**
 * The error code of the #GP(selector) an IRET at CPL > 0 is bound to raise
 * because the frame returns to a more privileged ring (under ring compression:
 * every guest kernel IRET), found without changing anything; -1 when it is not
 * such a return. A fault reading the frame is raised as IRET raises it.
 */
export function iretInwardSelector(cpu: SystemCpu): number {
	if (cpu.cpl === 0 || cpu.systemFlags() & Flag.NT) return -1;
	const stack = currentStack(cpu);
	stack.pop32();
	const csSelector = stack.pop32() & 0xffff;
	stack.pop32();
	return !isNullSelector(csSelector) && selectorRpl(csSelector) < cpu.cpl ? csSelector & 0xfffc : -1;
}
