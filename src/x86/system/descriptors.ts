// Segment and gate descriptors: the 8-byte entries of the GDT, LDT and IDT,
// decoded into plain values and encoded back (the monitor builds shadow tables
// with encodeDescriptor).

import { linear, type LinearAddress } from '../addresses';
import { CpuException, Vector } from '../exceptions';
import type { SegmentCache } from '../registers';
import { selectorErrorCode, selectorUsesLdt } from './selectors';
import type { SystemCpu } from './system-cpu';

/** A descriptor as the table holds it: the word at offset 0 and the word at offset 4. */
export interface RawDescriptor {
	low: number;
	high: number;
}

export interface Descriptor {
	raw: RawDescriptor;
	base: number;
	/** Byte limit with the granularity applied. */
	limit: number;
	/** The 4-bit type field; its meaning depends on `system`. */
	type: number;
	/** S bit clear: TSS, LDT or gate. */
	system: boolean;
	dpl: number;
	present: boolean;
	/** D/B bit: 32-bit code, 32-bit stack, upper bound 4 GiB for expand-down data. */
	big: boolean;
	/** G bit: the raw limit counts 4 KiB pages. */
	pageGranular: boolean;
	/** AVL bit, free for the operating system. */
	available: boolean;
}

/** System descriptor types (S = 0). */
export const enum SystemType {
	Tss16Available = 1, Ldt = 2, Tss16Busy = 3, CallGate16 = 4, TaskGate = 5, InterruptGate16 = 6, TrapGate16 = 7,
	Tss32Available = 9, Tss32Busy = 0xb, CallGate32 = 0xc, InterruptGate32 = 0xe, TrapGate32 = 0xf,
}

/** Type-field bits of code and data descriptors. */
export const enum SegmentTypeBit { Accessed = 1, Writable = 2, Readable = 2, ExpandDown = 4, Conforming = 4, Code = 8 }
/** The busy bit of a TSS type, and the accessed bit, as they sit in the high word. */
export const TSS_BUSY_BIT = 2 << 8;
export const ACCESSED_BIT = 1 << 8;

export function decodeDescriptor(raw: RawDescriptor): Descriptor {
	const { low, high } = raw;
	const rawLimit = (low & 0xffff) | (high & 0x000f0000);
	const pageGranular = (high & (1 << 23)) !== 0;
	return {
		raw: { low: low >>> 0, high: high >>> 0 },
		base: ((low >>> 16) | ((high & 0xff) << 16) | (high & 0xff000000)) >>> 0,
		limit: pageGranular ? ((rawLimit << 12) | 0xfff) >>> 0 : rawLimit,
		type: (high >>> 8) & 0xf,
		system: (high & (1 << 12)) === 0,
		dpl: (high >>> 13) & 3,
		present: (high & (1 << 15)) !== 0,
		big: (high & (1 << 22)) !== 0,
		pageGranular,
		available: (high & (1 << 20)) !== 0,
	};
}

export interface DescriptorFields {
	base: number;
	/** Byte limit; above 1 MiB it must end in 0xFFF and is stored page-granular. */
	limit: number;
	type: number;
	system?: boolean;
	dpl?: number;
	present?: boolean;
	big?: boolean;
	available?: boolean;
}

export function encodeDescriptor(fields: DescriptorFields): RawDescriptor {
	const { base, type, system = false, dpl = 0, present = true, big = false, available = false } = fields;
	const limit = fields.limit >>> 0;
	const pageGranular = limit > 0xfffff;
	if (pageGranular && (limit & 0xfff) !== 0xfff) {
		throw new RangeError(`segment limit 0x${limit.toString(16)} above 1 MiB must end in 0xfff`);
	}
	const rawLimit = pageGranular ? limit >>> 12 : limit;
	const low = ((base & 0xffff) << 16) | (rawLimit & 0xffff);
	const high = ((base >>> 16) & 0xff) | (base & 0xff000000) | (rawLimit & 0x000f0000)
		| ((type & 0xf) << 8) | (system ? 0 : 1 << 12) | ((dpl & 3) << 13) | (present ? 1 << 15 : 0)
		| (available ? 1 << 20 : 0) | (big ? 1 << 22 : 0) | (pageGranular ? 1 << 23 : 0);
	return { low: low >>> 0, high: high >>> 0 };
}

export const isCode = (d: Descriptor): boolean => !d.system && (d.type & SegmentTypeBit.Code) !== 0;
export const isData = (d: Descriptor): boolean => !d.system && (d.type & SegmentTypeBit.Code) === 0;
export const isConformingCode = (d: Descriptor): boolean => isCode(d) && (d.type & SegmentTypeBit.Conforming) !== 0;
export const isReadable = (d: Descriptor): boolean => isData(d) || (isCode(d) && (d.type & SegmentTypeBit.Readable) !== 0);
export const isWritableData = (d: Descriptor): boolean => isData(d) && (d.type & SegmentTypeBit.Writable) !== 0;

export function segmentCacheFrom(selector: number, d: Descriptor): SegmentCache {
	return { selector, base: d.base, limit: d.limit, type: d.type, system: d.system, dpl: d.dpl, present: d.present, big: d.big, usable: true };
}

/** Where the descriptor a selector names sits, or undefined when it lies past the table's limit. */
export function descriptorAddress(cpu: SystemCpu, selector: number): LinearAddress | undefined {
	const offset = selector & 0xfff8;
	if (selectorUsesLdt(selector)) {
		if (!cpu.ldtr.usable || offset + 7 > cpu.ldtr.limit) return undefined;
		return linear(cpu.ldtr.base + offset);
	}
	if (offset + 7 > cpu.gdtr.limit) return undefined;
	return linear(cpu.gdtr.base + offset);
}

/** The descriptor a selector names, or undefined past the table limit (callers choose the fault). */
export function fetchDescriptor(cpu: SystemCpu, selector: number): Descriptor | undefined {
	const address = descriptorAddress(cpu, selector);
	if (address === undefined) return undefined;
	return decodeDescriptor({ low: cpu.readLinear32(address, false), high: cpu.readLinear32(linear(address + 4), false) });
}

/** The descriptor a selector names; #GP(selector) past the GDT or LDT limit. */
export function readDescriptor(cpu: SystemCpu, selector: number): Descriptor {
	const d = fetchDescriptor(cpu, selector);
	if (d === undefined) throw new CpuException(Vector.GP, selectorErrorCode(selector));
	return d;
}

/** Sets bits in the descriptor's high word in memory (the accessed bit, the TSS busy bit), as the hardware does on a load. */
export function setDescriptorBits(cpu: SystemCpu, selector: number, d: Descriptor, bits: number): void {
	if ((d.raw.high & bits) === bits) return;
	const address = descriptorAddress(cpu, selector);
	if (address === undefined) return;
	cpu.writeLinear32(linear(address + 4), d.raw.high | bits, false);
}

/** Sets the accessed bit of a code or data descriptor in memory, as a load does; returns the descriptor as now stored. */
export function markAccessed(cpu: SystemCpu, selector: number, d: Descriptor): Descriptor {
	if (d.system || (d.type & SegmentTypeBit.Accessed)) return d;
	setDescriptorBits(cpu, selector, d, ACCESSED_BIT);
	return { ...d, type: d.type | SegmentTypeBit.Accessed, raw: { low: d.raw.low, high: (d.raw.high | ACCESSED_BIT) >>> 0 } };
}
