// Raw 8-byte descriptors as the guest wrote them in its own tables, decoded
// and re-encoded by the monitor. The hardware's own descriptor checks live in
// src/x86/system; the monitor needs the bytes themselves, because it reads the
// guest's tables (not the hardware's) and writes compressed copies of them.

import type { SegmentCache } from '../x86/registers';

export interface RawDescriptor {
	/** Bytes 0-3 and 4-7, little-endian. */
	low: number;
	high: number;
}

export interface SegmentDescriptor {
	base: number;
	/** Effective byte limit, granularity applied. */
	limit: number;
	type: number;
	/** True for system descriptors (TSS, LDT, gates): the S bit is clear. */
	system: boolean;
	dpl: number;
	present: boolean;
	big: boolean;
	granular: boolean;
}

export interface GateDescriptor {
	selector: number;
	offset: number;
	/** 0x5 task, 0x6/0x7 16-bit interrupt/trap, 0xE/0xF 32-bit interrupt/trap. */
	type: number;
	dpl: number;
	present: boolean;
}

export function decodeSegment({ low, high }: RawDescriptor): SegmentDescriptor {
	const rawLimit = (low & 0xffff) | (high & 0xf0000);
	const granular = (high & (1 << 23)) !== 0;
	return {
		base: ((low >>> 16) | ((high & 0xff) << 16) | (high & 0xff000000)) >>> 0,
		limit: granular ? ((rawLimit << 12) | 0xfff) >>> 0 : rawLimit,
		type: (high >>> 8) & 0xf,
		system: (high & (1 << 12)) === 0,
		dpl: (high >>> 13) & 3,
		present: (high & (1 << 15)) !== 0,
		big: (high & (1 << 22)) !== 0,
		granular,
	};
}

export function encodeSegment(d: SegmentDescriptor, extraHighBits = 0): RawDescriptor {
	// A granular limit must be expressible in 4 KiB units: round down, never up past what was asked.
	const field = d.granular ? (d.limit >>> 12) : d.limit & 0xfffff;
	const low = ((d.base & 0xffff) << 16) | (field & 0xffff);
	const high = (d.base & 0xff000000) | ((d.base >>> 16) & 0xff) | (field & 0xf0000)
		| (d.type << 8) | (d.system ? 0 : 1 << 12) | (d.dpl << 13) | (d.present ? 1 << 15 : 0)
		| (d.big ? 1 << 22 : 0) | (d.granular ? 1 << 23 : 0) | extraHighBits;
	return { low: low >>> 0, high: high >>> 0 };
}

export function decodeGate({ low, high }: RawDescriptor): GateDescriptor {
	return {
		selector: low >>> 16,
		offset: ((low & 0xffff) | (high & 0xffff0000)) >>> 0,
		type: (high >>> 8) & 0xf,
		dpl: (high >>> 13) & 3,
		present: (high & (1 << 15)) !== 0,
	};
}

export const isCode = (d: SegmentDescriptor): boolean => !d.system && (d.type & 8) !== 0;
export const isConforming = (d: SegmentDescriptor): boolean => isCode(d) && (d.type & 4) !== 0;
export const isWritableData = (d: SegmentDescriptor): boolean => !d.system && (d.type & 8) === 0 && (d.type & 2) !== 0;
export const isReadable = (d: SegmentDescriptor): boolean => !d.system && ((d.type & 8) === 0 || (d.type & 2) !== 0);
const isExpandDown = (d: SegmentDescriptor): boolean => !d.system && (d.type & 0xc) === 4;

/**
 * Ring compression of one guest descriptor: DPL 0 code and data become DPL 1,
 * and expand-up segments are cut so they end below the monitor's region at
 * `monitorBase` (monitor-region.ts: it moves). Expand-down segments are left
 * alone (their valid range is above the limit, so cutting needs more than a
 * limit change: not handled yet). System descriptors are copied.
 */
export function compress(d: SegmentDescriptor, monitorBase: number): SegmentDescriptor {
	if (d.system) return d;
	const dpl = d.dpl === 0 ? 1 : d.dpl;
	if (isExpandDown(d) || d.base >= monitorBase) return { ...d, dpl };
	const end = d.base + d.limit;
	if (end < monitorBase) return { ...d, dpl };
	const limit = monitorBase - 1 - d.base;
	// With 4 KiB granularity the limit can only end on a page boundary minus one.
	if (!d.granular || limit < 0xfff) return { ...d, dpl, limit, granular: false };
	return { ...d, dpl, limit: ((((limit + 1) >>> 12) << 12) - 1) >>> 0 };
}

export function toSegmentCache(selector: number, d: SegmentDescriptor): SegmentCache {
	return { selector, base: d.base, limit: d.limit, type: d.type, system: d.system, dpl: d.dpl, present: d.present, big: d.big, usable: true };
}
