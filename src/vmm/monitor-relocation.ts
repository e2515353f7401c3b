// Moving the monitor's region away from a slot the guest maps. The guest
// gets its slot (a recursive page directory at entry 1023, a fixmap at the
// top): the monitor takes the highest slot the guest leaves unmapped, maps
// its region there in every shadow, points the hardware GDTR, IDTR and TR at
// it, and cuts the shadow descriptors and the loaded segment caches below it.

import { segmentCache } from '../x86/registers';
import type { SystemCpu } from '../x86/system/system-cpu';
import { compressLoaded } from './descriptors';
import { hex } from './format';
import { guestExtent } from './guest-limits';
import { MonitorRegion } from './monitor-region';
import type { ShadowPaging } from './shadow-paging/shadow-paging';
import type { ShadowTables } from './shadow-tables';
import { UnsupportedGuest } from './unsupported-guest';
import type { VirtualCpu } from './virtual-cpu';

/** The guest maps every 4 MiB slot: the monitor has nowhere to go. Thrown before anything changed. */
export class NoFreeMonitorSlot extends UnsupportedGuest {}

export interface Relocation {
	from: number;
	to: number;
}

/** Moves the region when the guest's active address space maps its slot; returns where from and to, or undefined when it stays. */
export function relocateIfMapped(cpu: SystemCpu, vcpu: VirtualCpu, shadow: ShadowTables, paging: ShadowPaging): Relocation | undefined {
	const region = shadow.region;
	if (!paging.guestMapsSlot(region.slot)) return undefined;
	const slot = MonitorRegion.freeSlot((index) => paging.guestMapsSlot(index));
	if (slot === undefined) {
		throw new NoFreeMonitorSlot(`the guest's page directory (CR3 ${hex(vcpu.cr3)}) maps all 1024 slots of 4 MiB, including the one of the monitor's region at ${hex(region.base)}: the monitor has no free slot to move its shadow GDT, IDT and TSS to, so the machine stops`);
	}
	const from = region.base;
	// The guest's extents, read while the caches are still cut for the old place.
	const extents = cpu.seg.map((cache) => guestExtent(cpu, vcpu, cache, from));
	region.moveTo(slot << 22);
	paging.moveMonitor(from >>> 22);
	cpu.gdtr = shadow.gdtr;
	cpu.idtr = shadow.idtr;
	cpu.tr = shadow.tr;
	cpu.ldtr = shadow.ldtr(vcpu);
	shadow.syncGdt(cpu, vcpu);
	shadow.syncLdt(cpu, vcpu);
	cpu.seg.forEach((cache, s) => {
		if (!cache.usable || cache.system) return;
		const { limit, type } = extents[s];
		const d = compressLoaded(cache, limit, type, region.base);
		cpu.seg[s] = segmentCache({ ...cache, limit: d.limit, type: d.type });
	});
	return { from, to: region.base };
}
