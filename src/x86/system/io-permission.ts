// IOPL-sensitive operations: port access (IN, OUT, INS, OUTS), CLI and STI.
// Above IOPL a port is allowed only when every bit for its bytes in the TSS
// I/O permission bitmap is clear.

import { linear } from '../addresses';
import { CpuException, Vector } from '../exceptions';
import { Flag } from '../registers';
import { iopl } from './privilege';
import type { SystemCpu } from './system-cpu';
import { hasTss32, TSS32_SIZE } from './tss';

function bitmapAllows(cpu: SystemCpu, port: number, size: number): boolean {
	const tr = cpu.tr;
	if (!hasTss32(cpu) || tr.limit < TSS32_SIZE - 1) return false;
	const mapBase = cpu.readLinear16(linear(tr.base + 0x66), false);
	const byteOffset = mapBase + (port >>> 3);
	// Two bytes are always read, since an access's bits may straddle a byte boundary.
	if (byteOffset + 1 > tr.limit) return false;
	const bits = cpu.readLinear16(linear(tr.base + byteOffset), false);
	const mask = ((1 << size) - 1) << (port & 7);
	return (bits & mask) === 0;
}

/** Whether a port access of `size` bytes (1, 2 or 4) is allowed: CPL <= IOPL, or the TSS bitmap allows it. */
export function ioPermitted(cpu: SystemCpu, port: number, size: number): boolean {
	return cpu.cpl <= iopl(cpu) || bitmapAllows(cpu, port & 0xffff, size);
}

/** `size` is the access width in bytes: 1, 2 or 4. */
export function checkIoPermission(cpu: SystemCpu, port: number, size: number): void {
	if (!ioPermitted(cpu, port, size)) throw new CpuException(Vector.GP, 0);
}

/** CLI and STI are allowed at CPL <= IOPL. */
export function ioplAllows(cpu: SystemCpu): boolean {
	return cpu.cpl <= iopl(cpu);
}

function requireIopl(cpu: SystemCpu): void {
	if (!ioplAllows(cpu)) throw new CpuException(Vector.GP, 0);
}

export function cli(cpu: SystemCpu): void {
	requireIopl(cpu);
	cpu.setEflags(cpu.getEflags() & ~Flag.IF);
}

export function sti(cpu: SystemCpu): void {
	requireIopl(cpu);
	cpu.setEflags(cpu.getEflags() | Flag.IF);
}
