// The guest's stack as the monitor pushes and pops it for the instructions
// and deliveries it performs: through SS:ESP on a 32-bit stack, through SS:SP
// on a 16-bit one (B clear), where only SP moves, wrapping within 64 KiB, and
// the upper half of ESP stays as the guest left it.

import { linear, type LinearAddress } from '../x86/addresses';
import { Reg, Seg, type SegmentCache } from '../x86/registers';
import type { SystemCpu } from '../x86/system/system-cpu';

/** ESP moved by `delta` on the stack `ss` describes. */
export function movedEsp(ss: SegmentCache, esp: number, delta: number): number {
	return ss.big ? (esp + delta) >>> 0 : ((esp & 0xffff0000) | ((esp + delta) & 0xffff)) >>> 0;
}

/** Where the stack top at `esp` is on the stack `ss` describes. */
export function stackTop(ss: SegmentCache, esp: number): LinearAddress {
	return linear(ss.base + (ss.big ? esp >>> 0 : esp & 0xffff));
}

/** Reads the current stack `offset` bytes above its top, without moving it. */
export function peekStack(cpu: SystemCpu, offset: number, size: 2 | 4): number {
	const ss = cpu.seg[Seg.SS];
	const at = stackTop(ss, movedEsp(ss, cpu.regs[Reg.ESP] >>> 0, offset));
	return size === 4 ? cpu.readLinear32(at, false) >>> 0 : cpu.readLinear16(at, false);
}

/**
 * Reads `count` values of `size` bytes from `offset` above the current stack
 * top into `into`, lowest first, without moving it (an IRET or RETF frame). A
 * frame of dwords in one page of RAM the TLB already grants is read in one go.
 */
export function peekFrame(cpu: SystemCpu, offset: number, count: number, size: 2 | 4, into: Uint32Array): void {
	const ss = cpu.seg[Seg.SS];
	const top = movedEsp(ss, cpu.regs[Reg.ESP] >>> 0, offset);
	const bytes = count * size;
	// Unless SP wraps inside it, the frame is one run of bytes from its start up.
	if (size === 4 && (ss.big ? top : top & 0xffff) + bytes <= (ss.big ? 0x100000000 : 0x10000)) {
		const i = cpu.frameIndex32(stackTop(ss, top), bytes, false);
		if (i >= 0) {
			for (let k = 0; k < count; k++) into[k] = cpu.ram32View[i + k];
			return;
		}
	}
	for (let k = 0; k < count; k++) into[k] = peekStack(cpu, offset + k * size, size);
}

/** Pushes on the current stack; ESP moves only once the store succeeded. */
export function pushStack(cpu: SystemCpu, value: number, size: 2 | 4): void {
	const ss = cpu.seg[Seg.SS];
	const esp = movedEsp(ss, cpu.regs[Reg.ESP] >>> 0, -size);
	const at = stackTop(ss, esp);
	if (size === 4) cpu.writeLinear32(at, value, false);
	else cpu.writeLinear16(at, value, false);
	cpu.regs[Reg.ESP] = esp;
}

/** Moves the current stack's top by `delta` bytes (a pop without a read). */
export function releaseStack(cpu: SystemCpu, delta: number): void {
	cpu.regs[Reg.ESP] = movedEsp(cpu.seg[Seg.SS], cpu.regs[Reg.ESP] >>> 0, delta);
}
