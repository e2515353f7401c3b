import type { PhysicalAddress, Port } from './addresses';

/**
 * What the CPU sees of the machine's memory. `ram` is the fast path for plain
 * RAM below `ramSize`; everything else (memory-mapped devices, unbacked
 * addresses) goes through the read/write methods. `peek`/`poke` are for
 * debuggers: no device side effects, no write tracking.
 */
export interface MemoryBus {
	readonly ram: Uint8Array;
	readonly ramSize: number;
	read8(address: PhysicalAddress): number;
	read16(address: PhysicalAddress): number;
	read32(address: PhysicalAddress): number;
	write8(address: PhysicalAddress, value: number): void;
	write16(address: PhysicalAddress, value: number): void;
	write32(address: PhysicalAddress, value: number): void;
	peek(address: PhysicalAddress, length: number): Uint8Array;
	poke(address: PhysicalAddress, bytes: Uint8Array): void;
	/** Called by the bus after every CPU write that lands in RAM (code-cache invalidation hooks in here). */
	onRamWrite?: (address: PhysicalAddress, length: number) => void;
}

/** Sizes of an I/O access in bytes. */
export type IoSize = 1 | 2 | 4;

export interface IoBus {
	read(port: Port, size: IoSize): number;
	write(port: Port, size: IoSize, value: number): void;
}

/** The interrupt line into the CPU (the master 8259's INTR output). */
export interface InterruptLine {
	/** True when a maskable interrupt is requested. */
	pending(): boolean;
	/** The INTA cycle: returns the vector and updates the controller's state. */
	acknowledge(): number;
}
