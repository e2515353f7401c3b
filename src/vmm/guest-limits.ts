// Segment limits as the guest loaded them, recovered from the hardware's
// caches, where compression may have cut them short of the monitor's region.

import type { SystemCpu } from '../x86/system/system-cpu';
import { CpuException } from '../x86/exceptions';
import type { SegmentCache } from '../x86/registers';
import { readGuestDescriptor } from './guest-state';
import type { VirtualCpu } from './virtual-cpu';

/** Whether compression for a monitor at `monitorBase` cut this cache's limit: it ends within a page below the monitor (granular limits end on a page). */
export function isTruncated(cache: SegmentCache, monitorBase: number): boolean {
	if (!cache.usable || cache.system || (cache.type & 0xc) === 4) return false;
	const end = (cache.base + cache.limit + 1) >>> 0;
	return ((monitorBase - end) >>> 0) < 0x1000;
}

/**
 * The limit the guest loaded, where compression cut it short of the monitor:
 * from the guest's descriptor when it still says the same base, else (caches
 * loaded before any guest table, as in the multiboot state) the flat limit.
 */
export function guestLimit(cpu: SystemCpu, vcpu: VirtualCpu, cache: SegmentCache, monitorBase: number): number {
	if (!isTruncated(cache, monitorBase)) return cache.limit >>> 0;
	try {
		const d = readGuestDescriptor(cpu, vcpu, cache.selector);
		if (d.base === cache.base && !d.system) return d.limit >>> 0;
	} catch (e) {
		if (!(e instanceof CpuException)) throw e;
	}
	return (0xffffffff - cache.base) >>> 0;
}
