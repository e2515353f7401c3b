// Segment limits as the guest loaded them, recovered from the hardware's
// caches, where compression may have cut them short of the monitor's region.

import type { SystemCpu } from '../x86/system/system-cpu';
import { CpuException } from '../x86/exceptions';
import type { SegmentCache } from '../x86/registers';
import { readGuestDescriptor } from './guest-state';
import type { VirtualCpu } from './virtual-cpu';

/**
 * Whether compression for a monitor at `monitorBase` changed this cache's
 * extent (descriptors.ts compress): an expand-up limit cut to end within a page
 * below the monitor or at the top of the address space (it would have wrapped
 * round into the monitor), or a data segment emptied (expand-down to its top).
 * A guest segment that happens to look the same is harmless: the monitor's
 * retry with the guest's own segment then faults as the guest's.
 */
export function isTruncated(cache: SegmentCache, monitorBase: number): boolean {
	if (!cache.usable || cache.system) return false;
	if ((cache.type & 0xc) === 4) return cache.limit >>> 0 === (cache.big ? 0xffffffff : 0xffff);
	const end = (cache.base + cache.limit + 1) >>> 0;
	return ((monitorBase - end) >>> 0) < 0x1000 || (end === 0 && cache.base >>> 0 > monitorBase);
}

/** A segment's extent as the guest loaded it. */
export interface GuestExtent {
	limit: number;
	/** The type field (expand-down is bit 2). */
	type: number;
}

/**
 * The limit and type the guest loaded, where compression changed them: from
 * the guest's descriptor when it still says the same base, else (caches loaded
 * before any guest table, as in the multiboot state) a flat expand-up segment.
 */
export function guestExtent(cpu: SystemCpu, vcpu: VirtualCpu, cache: SegmentCache, monitorBase: number): GuestExtent {
	if (!isTruncated(cache, monitorBase)) return { limit: cache.limit >>> 0, type: cache.type };
	try {
		const d = readGuestDescriptor(cpu, vcpu, cache.selector);
		// The accessed bit is the cache's: the load that made it set the guest's.
		if (d.base === cache.base && !d.system) return { limit: d.limit >>> 0, type: d.type | (cache.type & 1) };
	} catch (e) {
		if (!(e instanceof CpuException)) throw e;
	}
	return { limit: (0xffffffff - cache.base) >>> 0, type: cache.type & ~4 };
}
