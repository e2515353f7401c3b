// The monitor's own physical memory: its 4 MiB region (shadow GDT, TSS and
// IDT, mapped supervisor-only at the monitor's linear base) followed by a pool
// of 4 KiB pages for shadow page directories and page tables. It is attached
// to the physical bus above guest RAM so the hardware page walker can read the
// shadows, while no guest-derived mapping ever points into it.

export const MONITOR_REGION_BYTES = 4 * 1024 * 1024;
/** Enough for a few address spaces of a small kernel; exhaustion drops every shadow and starts over. */
const POOL_PAGES = 1024;
const PAGE = 4096;

export class MonitorMemory {
	readonly bytes = new Uint8Array(MONITOR_REGION_BYTES + POOL_PAGES * PAGE);
	/** The region the monitor maps at its linear base. */
	readonly region = this.bytes.subarray(0, MONITOR_REGION_BYTES);
	private readonly view = new DataView(this.bytes.buffer);
	private free: number[] = [];
	physicalBase = 0;

	constructor() {
		this.releaseAll();
	}

	/** Puts this memory on the physical bus; `attach` returns where the bus placed it. */
	attachTo(bus: { attachMonitorMemory(bytes: Uint8Array): number }): void {
		this.physicalBase = bus.attachMonitorMemory(this.bytes);
	}

	/** A zeroed pool page, as a physical address; undefined when the pool is empty. */
	allocatePage(): number | undefined {
		const offset = this.free.pop();
		if (offset === undefined) return undefined;
		this.bytes.fill(0, offset, offset + PAGE);
		return this.physicalBase + offset;
	}

	releasePage(physicalAddress: number): void {
		this.free.push(physicalAddress - this.physicalBase);
	}

	releaseAll(): void {
		this.free = [];
		for (let i = POOL_PAGES - 1; i >= 0; i--) this.free.push(MONITOR_REGION_BYTES + i * PAGE);
	}

	contains(physicalAddress: number): boolean {
		return physicalAddress >= this.physicalBase && physicalAddress - this.physicalBase < this.bytes.length;
	}

	read32(physicalAddress: number): number {
		return this.view.getUint32(physicalAddress - this.physicalBase, true);
	}

	write32(physicalAddress: number, value: number): void {
		this.view.setUint32(physicalAddress - this.physicalBase, value >>> 0, true);
	}
}
