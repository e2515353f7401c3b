// Where the monitor's 4 MiB region (shadow GDT, IDT and TSS) sits in the
// linear address space right now. It starts in the top slot and moves down to
// a slot the guest does not map when the guest maps the one it is in, so this
// is the one place every user of the address reads it from: descriptor
// compression (segment limits end below it), the hardware GDTR/IDTR/TR bases,
// the shadow page tables' monitor mapping, and the views.

/** Linear bytes one page-directory entry covers: the region is exactly one such slot. */
export const SLOT_BYTES = 0x400000;
/** The region's first home: the top 4 MiB. */
export const TOP_MONITOR_BASE = 0xffc00000;
const SLOTS = 1024;

export class MonitorRegion {
	/** Linear address of the region's first byte (4 MiB aligned); moveTo changes it. */
	base = TOP_MONITOR_BASE;
	/** The page-directory index of the region's slot, kept beside `base`: every emulation and reflection reads it. */
	slot = TOP_MONITOR_BASE >>> 22;

	moveTo(base: number): void {
		this.base = base >>> 0;
		this.slot = base >>> 22;
	}

	contains(linear: number): boolean {
		return linear >>> 22 === this.slot;
	}

	/**
	 * The highest slot the guest leaves unmapped (`mapped(index)`: whether the
	 * guest's active directory maps that slot), searching down from the top;
	 * undefined when it maps them all.
	 */
	static freeSlot(mapped: (index: number) => boolean): number | undefined {
		for (let index = SLOTS - 1; index >= 0; index--) if (!mapped(index)) return index;
		return undefined;
	}
}

const regions = new WeakMap<object, MonitorRegion>();

/** Makes `region` the monitor region of the hardware `cpu` (the monitor that runs it compressed). */
export function attachMonitorRegion(cpu: object, region: MonitorRegion): void {
	regions.set(cpu, region);
}

/**
 * The monitor's linear base on this CPU: what segment limits are cut below
 * when a descriptor is compressed for it. A CPU no monitor runs compressed
 * has the region's first home.
 */
export function monitorBaseOf(cpu: object): number {
	return regions.get(cpu)?.base ?? TOP_MONITOR_BASE;
}
