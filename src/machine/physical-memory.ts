// Guest RAM on the physical memory bus. Addresses past the end of RAM are
// open bus: reads float high (all ones) and writes vanish, as on a PC with
// nothing decoded there, so a wild pointer never crashes the host.
//
// One exception: a virtual machine monitor may attach its own memory at
// MONITOR_PHYSICAL_BASE (its shadow page tables, shadow GDT/TSS/IDT). It sits
// above any guest RAM so the hardware page walker can read it; the guest never
// reaches it, because the page tables the hardware walks are the monitor's and
// never point there except for the monitor's own supervisor-only region.

import type { PhysicalAddress } from '../x86/addresses';
import type { MemoryBus } from '../x86/bus';

const MIB = 1024 * 1024;
/** Below the monitor's region at 0xFFC00000 with room to spare, and a size a typed array can hold. */
export const MAX_MEMORY_MIB = 2048;
/** Multiboot kernels load at 1 MiB; less than 2 MiB leaves them no room. */
export const MIN_MEMORY_MIB = 2;

/** Where a monitor's attached memory appears on the bus: above MAX_MEMORY_MIB of RAM. */
export const MONITOR_PHYSICAL_BASE = 0xc0000000;

export interface PhysicalMemoryState {
	ram: Uint8Array;
}

export class PhysicalMemory implements MemoryBus {
	readonly ram: Uint8Array;
	readonly ramSize: number;
	onRamWrite?: (address: PhysicalAddress, length: number) => void;
	private readonly view: DataView;
	private monitor: Uint8Array = new Uint8Array(0);
	private monitorView = new DataView(this.monitor.buffer);

	constructor(readonly memoryMiB: number) {
		if (!Number.isInteger(memoryMiB) || memoryMiB < MIN_MEMORY_MIB || memoryMiB > MAX_MEMORY_MIB) {
			throw new RangeError(`guest memory must be a whole number of MiB from ${MIN_MEMORY_MIB} to ${MAX_MEMORY_MIB}, got ${memoryMiB}`);
		}
		this.ramSize = memoryMiB * MIB;
		this.ram = new Uint8Array(this.ramSize);
		this.view = new DataView(this.ram.buffer);
	}

	/** Backs MONITOR_PHYSICAL_BASE.. with `bytes` (replacing any earlier attachment); returns that base. */
	attachMonitorMemory(bytes: Uint8Array): PhysicalAddress {
		this.monitor = bytes;
		this.monitorView = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
		return MONITOR_PHYSICAL_BASE as PhysicalAddress;
	}

	/** Offset in the monitor's memory for an access of `size` bytes, or -1 when it is not wholly there. */
	private monitorOffset(address: number, size: number): number {
		const offset = address - MONITOR_PHYSICAL_BASE;
		return offset >= 0 && offset + size <= this.monitor.length ? offset : -1;
	}

	read8(address: PhysicalAddress): number {
		if (address < this.ramSize) return this.ram[address];
		const m = this.monitorOffset(address, 1);
		return m < 0 ? 0xff : this.monitor[m];
	}

	read16(address: PhysicalAddress): number {
		if (address + 1 < this.ramSize) return this.view.getUint16(address, true);
		const m = this.monitorOffset(address, 2);
		if (m >= 0) return this.monitorView.getUint16(m, true);
		return this.read8(address) | (this.read8(wrap(address + 1)) << 8);
	}

	read32(address: PhysicalAddress): number {
		if (address + 3 < this.ramSize) return this.view.getUint32(address, true);
		const m = this.monitorOffset(address, 4);
		if (m >= 0) return this.monitorView.getUint32(m, true);
		return (this.read16(address) | (this.read16(wrap(address + 2)) << 16)) >>> 0;
	}

	write8(address: PhysicalAddress, value: number): void {
		if (address >= this.ramSize) {
			const m = this.monitorOffset(address, 1);
			if (m >= 0) this.monitor[m] = value;
			return;
		}
		this.ram[address] = value;
		this.onRamWrite?.(address, 1);
	}

	write16(address: PhysicalAddress, value: number): void {
		if (address + 1 < this.ramSize) {
			this.view.setUint16(address, value, true);
			this.onRamWrite?.(address, 2);
			return;
		}
		const m = this.monitorOffset(address, 2);
		if (m >= 0) return this.monitorView.setUint16(m, value, true);
		this.write8(address, value);
		this.write8(wrap(address + 1), value >>> 8);
	}

	write32(address: PhysicalAddress, value: number): void {
		if (address + 3 < this.ramSize) {
			this.view.setUint32(address, value >>> 0, true);
			this.onRamWrite?.(address, 4);
			return;
		}
		const m = this.monitorOffset(address, 4);
		if (m >= 0) return this.monitorView.setUint32(m, value >>> 0, true);
		this.write16(address, value);
		this.write16(wrap(address + 2), value >>> 16);
	}

	peek(address: PhysicalAddress, length: number): Uint8Array {
		const bytes = new Uint8Array(length).fill(0xff);
		const start = address >>> 0;
		if (start < this.ramSize) bytes.set(this.ram.subarray(start, Math.min(start + length, this.ramSize)));
		return bytes;
	}

	poke(address: PhysicalAddress, bytes: Uint8Array): void {
		const start = address >>> 0;
		if (start >= this.ramSize) return;
		this.ram.set(bytes.subarray(0, this.ramSize - start), start);
	}

	/** Zeroes `length` bytes from `address` (bss), clipped to RAM. */
	fill(address: PhysicalAddress, length: number, value = 0): void {
		const start = address >>> 0;
		if (start < this.ramSize) this.ram.fill(value, start, Math.min(start + length, this.ramSize));
	}

	saveState(): PhysicalMemoryState {
		return { ram: this.ram.slice() };
	}

	loadState(state: PhysicalMemoryState): void {
		if (state.ram.length !== this.ramSize) {
			throw new Error(`snapshot holds ${state.ram.length / MIB} MiB of RAM, this machine has ${this.memoryMiB} MiB`);
		}
		this.ram.set(state.ram);
	}
}

const wrap = (address: number): PhysicalAddress => (address >>> 0) as PhysicalAddress;
