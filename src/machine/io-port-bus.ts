// The ISA I/O space: 65536 byte-wide ports. A device claims a range and says
// how wide an access it decodes; a wider access is broken into byte accesses
// to consecutive ports, as the bus does for an 8-bit card. Ports nobody claims
// read as all ones (the data lines float high) and swallow writes.

import type { Port } from '../x86/addresses';
import type { IoBus, IoSize } from '../x86/bus';

export interface IoDevice {
	/** Widest access the device decodes as one; wider ones arrive as byte accesses. */
	readonly accessWidth: IoSize;
	read(port: Port, size: IoSize): number;
	write(port: Port, size: IoSize, value: number): void;
}

interface Claim {
	name: string;
	first: Port;
	last: Port;
	device: IoDevice;
}

const PORT_COUNT = 0x10000;
const ALL_ONES: Record<IoSize, number> = { 1: 0xff, 2: 0xffff, 4: 0xffffffff };

export class IoPortBus implements IoBus {
	private readonly owners: (Claim | undefined)[] = new Array(PORT_COUNT).fill(undefined);

	/** Claims ports `first`..`first + count - 1` for `device`; overlapping claims are a wiring bug. */
	register(name: string, first: Port, count: number, device: IoDevice): void {
		if (!Number.isInteger(first) || !Number.isInteger(count) || count < 1 || first < 0 || first + count > PORT_COUNT) {
			throw new RangeError(`${name}: ports 0x${first.toString(16)}+${count} are outside the I/O space`);
		}
		const claim: Claim = { name, first, last: first + count - 1, device };
		for (let port = first; port <= claim.last; port++) {
			const owner = this.owners[port];
			if (owner) throw new Error(`${name}: port 0x${port.toString(16)} already belongs to ${owner.name}`);
		}
		for (let port = first; port <= claim.last; port++) this.owners[port] = claim;
	}

	/** Name of the device owning `port`, for the debugger's I/O views. */
	ownerOf(port: Port): string | undefined {
		return this.owners[port & 0xffff]?.name;
	}

	read(port: Port, size: IoSize): number {
		const claim = this.directClaim(port, size);
		if (claim) return claim.device.read(port, size) & ALL_ONES[size];
		if (size === 1) return 0xff;
		let value = 0;
		for (let i = 0; i < size; i++) value |= this.read((port + i) & 0xffff, 1) << (8 * i);
		return value >>> 0;
	}

	write(port: Port, size: IoSize, value: number): void {
		const claim = this.directClaim(port, size);
		if (claim) {
			claim.device.write(port, size, (value & ALL_ONES[size]) >>> 0);
			return;
		}
		if (size === 1) return;
		for (let i = 0; i < size; i++) this.write((port + i) & 0xffff, 1, (value >>> (8 * i)) & 0xff);
	}

	/** The claim that takes this access whole, if one device owns every byte and decodes that width. */
	private directClaim(port: Port, size: IoSize): Claim | undefined {
		const claim = this.owners[port & 0xffff];
		if (!claim) return undefined;
		if (size === 1) return claim;
		return size <= claim.device.accessWidth && port + size - 1 <= claim.last ? claim : undefined;
	}
}
