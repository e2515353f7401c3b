// Guest accesses past a segment limit that compression cut short of the
// monitor's region (or through a segment it emptied). The guest's own limits allow them (its flat segments reach
// 4 GiB), and what lies above the monitor's slot is the guest's own mapping (a
// recursive page directory, a fixmap), so the monitor runs that one
// instruction with the guest's limits while its slot is unmapped, then puts
// both back. A fault it takes that way is the guest's own.

import { CpuException, Vector } from '../x86/exceptions';
import { segmentCache } from '../x86/registers';
import type { SystemCpu } from '../x86/system/system-cpu';
import { guestExtent, isTruncated } from './guest-limits';
import { monitorBaseOf } from './monitor-region';
import type { ShadowPaging } from './shadow-paging/shadow-paging';
import type { VirtualCpu } from './virtual-cpu';

/** Whether `e` may come from a truncated limit rather than from the guest's own: #GP(0) or #SS(0) while some segment is cut. */
export function mayBeTruncatedAccess(cpu: SystemCpu, e: CpuException): boolean {
	if ((e.vector !== Vector.GP && e.vector !== Vector.SS) || (e.errorCode ?? 0) !== 0) return false;
	const base = monitorBaseOf(cpu);
	return cpu.seg.some((cache) => isTruncated(cache, base));
}

/**
 * Runs `step` (one guest instruction) with every truncated segment at the
 * guest's own limit and the monitor's slot unmapped (accesses there go by the
 * guest's tables, which do not map it: a guest #PF as natively). Segments the
 * instruction loaded itself are left as it loaded them (compressed).
 */
export function withGuestLimits<T>(cpu: SystemCpu, vcpu: VirtualCpu, paging: ShadowPaging, step: () => T): T {
	const base = monitorBaseOf(cpu);
	const truncated = [...cpu.seg];
	const widened = truncated.map((cache) => (isTruncated(cache, base) ? segmentCache({ ...cache, ...guestExtent(cpu, vcpu, cache, base) }) : cache));
	widened.forEach((cache, s) => (cpu.seg[s] = cache));
	paging.hideMonitor(true);
	try {
		return step();
	} finally {
		paging.hideMonitor(false);
		widened.forEach((cache, s) => {
			if (cpu.seg[s] === cache) cpu.seg[s] = truncated[s];
		});
	}
}
