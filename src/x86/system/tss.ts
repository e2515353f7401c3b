// The task-state segment: where the CPU finds the stack of a more privileged
// ring, and what the debugger shows of it. Task switching itself is not
// implemented; the TSS serves stacks and the I/O permission bitmap.

import { linear } from '../addresses';
import { CpuException, Vector } from '../exceptions';
import { fetchDescriptor, isWritableData, markAccessed, segmentCacheFrom, SystemType } from './descriptors';
import { isNullSelector, selectorErrorCode, selectorRpl, type ExtBit } from './selectors';
import type { SegmentCache } from '../registers';
import type { SystemCpu } from './system-cpu';

/** Bytes of a 32-bit TSS without the I/O bitmap (limit at least 0x67). */
export const TSS32_SIZE = 0x68;

export function hasTss32(cpu: SystemCpu): boolean {
	const tr = cpu.tr;
	return tr.usable && (tr.type === SystemType.Tss32Available || tr.type === SystemType.Tss32Busy);
}

export interface InnerStack {
	ss: SegmentCache;
	esp: number;
}

/**
 * SS:ESP for ring `cpl` from the current TSS, validated as the new stack of an
 * inward transfer: #TS for a bad TSS or SS, #SS when SS is not present.
 */
export function innerStack(cpu: SystemCpu, cpl: number, ext: ExtBit): InnerStack {
	const tr = cpu.tr;
	const wide = hasTss32(cpu);
	const espOffset = wide ? 4 + cpl * 8 : 2 + cpl * 4;
	const ssOffset = wide ? 8 + cpl * 8 : 4 + cpl * 4;
	if (!tr.usable || ssOffset + 1 > tr.limit) throw new CpuException(Vector.TS, selectorErrorCode(tr.selector, ext));
	const esp = wide ? cpu.readLinear32(linear(tr.base + espOffset), false) >>> 0 : cpu.readLinear16(linear(tr.base + espOffset), false);
	const selector = cpu.readLinear16(linear(tr.base + ssOffset), false);
	const ts = new CpuException(Vector.TS, selectorErrorCode(selector, ext));
	if (isNullSelector(selector) || selectorRpl(selector) !== cpl) throw ts;
	const d = fetchDescriptor(cpu, selector);
	if (d === undefined || !isWritableData(d) || d.dpl !== cpl) throw ts;
	if (!d.present) throw new CpuException(Vector.SS, selectorErrorCode(selector, ext));
	return { ss: segmentCacheFrom(selector, markAccessed(cpu, selector, d)), esp };
}

/** The fields of a 32-bit TSS, for display. */
export interface Tss32 {
	link: number;
	esp0: number; ss0: number;
	esp1: number; ss1: number;
	esp2: number; ss2: number;
	cr3: number; eip: number; eflags: number;
	eax: number; ecx: number; edx: number; ebx: number; esp: number; ebp: number; esi: number; edi: number;
	es: number; cs: number; ss: number; ds: number; fs: number; gs: number;
	ldt: number;
	/** T flag: raise #DB on a task switch into this task. */
	debugTrap: boolean;
	ioMapBase: number;
}

/** The current TSS's fields, or undefined when TR holds no 32-bit TSS covering them. */
export function parseTss(cpu: SystemCpu): Tss32 | undefined {
	if (!hasTss32(cpu) || cpu.tr.limit < TSS32_SIZE - 1) return undefined;
	const base = cpu.tr.base;
	const d32 = (offset: number): number => cpu.readLinear32(linear(base + offset), false) >>> 0;
	const d16 = (offset: number): number => cpu.readLinear16(linear(base + offset), false);
	return {
		link: d16(0),
		esp0: d32(4), ss0: d16(8),
		esp1: d32(0xc), ss1: d16(0x10),
		esp2: d32(0x14), ss2: d16(0x18),
		cr3: d32(0x1c), eip: d32(0x20), eflags: d32(0x24),
		eax: d32(0x28), ecx: d32(0x2c), edx: d32(0x30), ebx: d32(0x34), esp: d32(0x38), ebp: d32(0x3c), esi: d32(0x40), edi: d32(0x44),
		es: d16(0x48), cs: d16(0x4c), ss: d16(0x50), ds: d16(0x54), fs: d16(0x58), gs: d16(0x5c),
		ldt: d16(0x60),
		debugTrap: (d16(0x64) & 1) !== 0,
		ioMapBase: d16(0x66),
	};
}
