// A stack built or unwound on the side: far transfers and interrupt delivery
// check every slot against the stack segment and only write back SS:ESP once
// the whole transfer has succeeded, so a fault leaves the registers unchanged.

import { linear } from '../addresses';
import type { CpuException } from '../exceptions';
import type { SegmentCache } from '../registers';
import { withinLimit } from './limits';
import type { SystemCpu } from './system-cpu';

export class StackCursor {
	/** 16-bit stacks (SS.B clear) wrap SP and leave the upper half of ESP alone. */
	private readonly mask: number;
	/** The stack top so far, an offset in SS. */
	sp: number;

	constructor(
		private readonly cpu: SystemCpu,
		readonly ss: SegmentCache,
		private readonly initialEsp: number,
		/** The privilege the accesses are made at: true for ring 3. */
		private readonly user: boolean,
		/** The exception a slot outside the stack segment raises. */
		private readonly fault: () => CpuException,
	) {
		this.mask = ss.big ? 0xffffffff : 0xffff;
		this.sp = (initialEsp & this.mask) >>> 0;
	}

	push32(value: number): void {
		const sp = ((this.sp - 4) & this.mask) >>> 0;
		this.check(sp);
		this.cpu.writeLinear32(linear(this.ss.base + sp), value, this.user);
		this.sp = sp;
	}

	pop32(): number {
		this.check(this.sp);
		const value = this.cpu.readLinear32(linear(this.ss.base + this.sp), this.user);
		this.sp = ((this.sp + 4) & this.mask) >>> 0;
		return value >>> 0;
	}

	/** Reads a slot `offset` bytes above the current top without moving it. */
	peek32(offset: number): number {
		const sp = ((this.sp + offset) & this.mask) >>> 0;
		this.check(sp);
		return this.cpu.readLinear32(linear(this.ss.base + sp), this.user) >>> 0;
	}

	release(bytes: number): void {
		this.sp = ((this.sp + bytes) & this.mask) >>> 0;
	}

	/** The ESP value to commit. */
	get esp(): number {
		return this.ss.big ? this.sp : ((this.initialEsp & 0xffff0000) | this.sp) >>> 0;
	}

	private check(sp: number): void {
		if (!withinLimit(this.ss, sp, 4)) throw this.fault();
	}
}
