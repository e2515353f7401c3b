// A stand-in for the CPU in monitor unit tests: architectural state over flat
// RAM (no paging), enough for the system-table accesses the monitor makes.

import type { LinearAddress } from '../../src/x86/addresses';
import { CpuState } from '../../src/x86/cpu-state';
import { CpuException, Vector } from '../../src/x86/exceptions';
import type { SystemCpu } from '../../src/x86/system/system-cpu';

export class FlatCpu extends CpuState implements SystemCpu {
	readonly ram = new Uint8Array(0x200000);
	private readonly view = new DataView(this.ram.buffer);
	private eflags = 2;
	/** Frames always take the checked path here: these tests are about what the checks do. */
	readonly ram32View = new Int32Array(0);
	frameIndex32(): number { return -1; }
	tlbFlushes = 0;

	getEflags(): number { return this.eflags; }
	setEflags(value: number): void { this.eflags = (value | 2) >>> 0; }

	private check(address: number, size: number): number {
		if (address + size > this.ram.length) throw new CpuException(Vector.PF, 0, address);
		return address;
	}
	readLinear8(a: LinearAddress): number { return this.ram[this.check(a, 1)]; }
	readLinear16(a: LinearAddress): number { return this.view.getUint16(this.check(a, 2), true); }
	readLinear32(a: LinearAddress): number { return this.view.getUint32(this.check(a, 4), true); }
	writeLinear8(a: LinearAddress, v: number): void { this.ram[this.check(a, 1)] = v; }
	writeLinear16(a: LinearAddress, v: number): void { this.view.setUint16(this.check(a, 2), v, true); }
	writeLinear32(a: LinearAddress, v: number): void { this.view.setUint32(this.check(a, 4), v >>> 0, true); }
	flushTlb(): void { this.tlbFlushes++; }
	invlpg(): void { this.tlbFlushes++; }

	/** Writes a flat segment descriptor (base 0, 4 GiB) at a GDT index. */
	putFlatDescriptor(gdtBase: number, index: number, code: boolean, dpl: number): void {
		this.view.setUint32(gdtBase + index * 8, 0x0000ffff, true);
		this.view.setUint32(gdtBase + index * 8 + 4, 0x00cf0000 | ((code ? 0x9a : 0x92) | (dpl << 5)) << 8, true);
	}

	putGate(idtBase: number, vector: number, selector: number, offset: number, dpl: number, trap = false): void {
		this.view.setUint32(idtBase + vector * 8, (selector << 16) | (offset & 0xffff), true);
		this.view.setUint32(idtBase + vector * 8 + 4, ((offset & 0xffff0000) | 0x8000 | (dpl << 13) | ((trap ? 0xf : 0xe) << 8)) >>> 0, true);
	}

	putBytes(address: number, bytes: number[]): void {
		this.ram.set(bytes, address);
	}

	u32(address: number): number { return this.view.getUint32(address, true); }
}
