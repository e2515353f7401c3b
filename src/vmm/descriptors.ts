// Raw 8-byte descriptors as the guest wrote them in its own tables, decoded
// and re-encoded by the monitor. The hardware's own descriptor checks live in
// src/x86/system; the monitor needs the bytes themselves, because it reads the
// guest's tables (not the hardware's) and writes compressed copies of them.

import type { SegmentCache } from '../x86/registers';
import { SLOT_BYTES } from './monitor-region';

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

/** A 16- or 32-bit call gate. */
export const isCallGate = (d: SegmentDescriptor): boolean => d.system && (d.type === 0x4 || d.type === 0xc);

/** Non-conforming code of ring 1 or 2: control reaching it runs at that ring, which compression cannot represent. */
export const entersMiddleRing = (d: SegmentDescriptor): boolean => isCode(d) && (d.type & 4) === 0 && (d.dpl === 1 || d.dpl === 2);

/** Whether the linear range of `length` bytes from `start` (wrapping round 4 GiB) meets the monitor's region at `monitorBase`. */
function meetsMonitor(start: number, length: number, monitorBase: number): boolean {
	return length > 0 && (((monitorBase - start) >>> 0) < length || ((start - monitorBase) >>> 0) < SLOT_BYTES);
}

/** `limit` cut to at most `bound`, in a form the descriptor can encode (page granularity ends on a page). */
function limitAtMost(d: SegmentDescriptor, bound: number): Pick<SegmentDescriptor, 'limit' | 'granular'> {
	if (!d.granular || bound < 0xfff) return { limit: bound >>> 0, granular: false };
	return { limit: ((((bound + 1) / 0x1000) >>> 0) * 0x1000 - 1) >>> 0, granular: true };
}

/**
 * Ring compression of one guest descriptor: DPL 0 code and data become DPL 1,
 * and a segment whose linear range meets the monitor's region at
 * `monitorBase` (monitor-region.ts: it moves) is changed to stay out of it:
 * an expand-up segment starting below the region ends below it, one starting
 * above it stops at the top of the address space instead of wrapping round
 * into it, and any other data segment (expand-down, or starting inside the
 * region) is emptied: expand-down to its top, so every access faults and the
 * monitor runs it with the guest's own segment (truncated-access.ts). A code
 * segment that cannot be cut is not present, and so are code of ring 1 or 2
 * and call gates. Other system descriptors are copied.
 */
export function compress(d: SegmentDescriptor, monitorBase: number): SegmentDescriptor {
	// A call gate would take guest ring 3 into real ring 1 behind the monitor's back (the unsupported-guest stop).
	if (d.system) return isCallGate(d) ? { ...d, present: false } : d;
	// Entering ring 1 or 2 (the unsupported-guest stop): the hardware's load of such code faults to the monitor.
	if (entersMiddleRing(d)) return { ...d, present: false };
	const dpl = d.dpl === 0 ? 1 : d.dpl;
	const top = d.big ? 0xffffffff : 0xffff;
	const expandDown = isExpandDown(d);
	const start = expandDown ? (d.base + d.limit + 1) >>> 0 : d.base;
	const length = expandDown ? Math.max(0, top - d.limit) : d.limit + 1;
	if (!meetsMonitor(start, length, monitorBase)) return { ...d, dpl };
	if (!expandDown && d.base < monitorBase) return { ...d, dpl, ...limitAtMost(d, monitorBase - 1 - d.base) };
	if (!expandDown && d.base >= monitorBase + SLOT_BYTES) return { ...d, dpl, ...limitAtMost(d, 0xffffffff - d.base) };
	if (isCode(d)) return { ...d, dpl, present: false };
	return { ...d, dpl, type: d.type | 4, limit: top, granular: d.big };
}

/**
 * A segment register's cache compressed for a monitor at `monitorBase`, as if
 * loaded from a descriptor with the guest's `limit` and `type` (a cache the
 * monitor did not load itself: the start state, or one cut for the region's
 * old place).
 */
export function compressLoaded(c: SegmentCache, limit: number, type: number, monitorBase: number): SegmentDescriptor {
	return compress(decodeSegment(encodeSegment({ base: c.base, limit, type, system: false, dpl: c.dpl, present: c.present, big: c.big, granular: limit > 0xfffff })), monitorBase);
}

export function toSegmentCache(selector: number, d: SegmentDescriptor): SegmentCache {
	return { selector, base: d.base, limit: d.limit, type: d.type, system: d.system, dpl: d.dpl, present: d.present, big: d.big, usable: true };
}
