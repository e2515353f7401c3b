// Translating between what the hardware holds and what the guest believes,
// under ring compression: guest ring 0 runs at real ring 1.

import { linear } from '../x86/addresses';
import { CpuException, Vector } from '../x86/exceptions';
import { EFLAGS_FIXED, Flag, IOPL_SHIFT, Seg } from '../x86/registers';
import type { SystemCpu } from '../x86/system/system-cpu';
import { nullDataSegment } from '../x86/system/segments';
import { compress, decodeSegment, toSegmentCache, type SegmentDescriptor } from './descriptors';
import { monitorBaseOf } from './monitor-region';
import type { VirtualCpu } from './virtual-cpu';

/** The real ring a virtual ring runs at. */
export const realRing = (virtualCpl: number): number => (virtualCpl === 0 ? 1 : virtualCpl);
/** The virtual ring of code running at a real ring. */
export const virtualRing = (realCpl: number): number => (realCpl === 1 ? 0 : realCpl);

/** EFLAGS as the guest sees them: its own IF and IOPL in place of the hardware's. */
export function guestEflags(cpu: SystemCpu, vcpu: VirtualCpu): number {
	return guestEflagsFrom(cpu.getEflags(), vcpu);
}

/** guestEflags of the hardware's EFLAGS `real`, for a caller that needs both. */
export function guestEflagsFrom(real: number, vcpu: VirtualCpu): number {
	const interrupt = vcpu.cpl === 0 ? (vcpu.interruptFlag ? Flag.IF : 0) : real & Flag.IF;
	return ((real & ~(Flag.IF | Flag.IOPL)) | interrupt | (vcpu.iopl << IOPL_SHIFT) | EFLAGS_FIXED) >>> 0;
}

/**
 * Takes a guest EFLAGS value into the hardware and the virtual CPU. At virtual
 * ring 0 the hardware IF stays 1, so the monitor always gets control on
 * interrupts, and the real IOPL stays 0, so IOPL-sensitive instructions trap.
 * At ring 3 both are the guest's: CLI, STI, POPF and port I/O then behave
 * there exactly as the guest's IOPL says, without the monitor.
 */
export function setGuestEflags(cpu: SystemCpu, vcpu: VirtualCpu, value: number): void {
	vcpu.iopl = (value & Flag.IOPL) >>> IOPL_SHIFT;
	if (vcpu.cpl === 0) vcpu.interruptFlag = (value & Flag.IF) !== 0;
	const real = vcpu.cpl === 0 ? Flag.IF : value & (Flag.IF | Flag.IOPL);
	cpu.setEflags(((value & ~(Flag.IF | Flag.IOPL | Flag.VM)) | real | EFLAGS_FIXED) >>> 0);
}

/** Leaving virtual ring 0 for ring 3 (the rest of EFLAGS unchanged): the guest's IF and IOPL move from the virtual CPU into the hardware. */
export function takeRing3Flags(cpu: SystemCpu, vcpu: VirtualCpu): void {
	const flags = cpu.getEflags() & ~(Flag.IF | Flag.IOPL);
	cpu.setEflags((flags | (vcpu.iopl << IOPL_SHIFT) | (vcpu.interruptFlag ? Flag.IF : 0)) >>> 0);
}

/** The guest-visible selector of a segment register: CS and SS carry the virtual CPL as RPL. */
export function guestSelector(cpu: SystemCpu, vcpu: VirtualCpu, seg: Seg): number {
	const selector = cpu.seg[seg].selector;
	if ((seg === Seg.CS || seg === Seg.SS) && (selector & 3) === realRing(vcpu.cpl)) return (selector & 0xfffc) | vcpu.cpl;
	return selector;
}

/** A descriptor from the guest's own GDT or LDT; #GP(selector) past the table's limit. */
export function readGuestDescriptor(cpu: SystemCpu, vcpu: VirtualCpu, selector: number): SegmentDescriptor {
	const table = selector & 4 ? { base: vcpu.ldtr.base, limit: vcpu.ldtr.usable ? vcpu.ldtr.limit : -1 } : vcpu.gdtr;
	const offset = selector & 0xfff8;
	if (offset + 7 > table.limit) throw new CpuException(Vector.GP, selector & 0xfffc);
	return decodeSegment({
		low: cpu.readLinear32(linear(table.base + offset), false),
		high: cpu.readLinear32(linear(table.base + offset + 4), false),
	});
}

/**
 * The hardware sets a code or data descriptor's accessed bit in the table when
 * it loads it; the monitor, loading for the guest, does the same in the
 * guest's table (a store the caller sees as a descriptor-table write).
 */
export function markGuestAccessed(cpu: SystemCpu, vcpu: VirtualCpu, selector: number, d: SegmentDescriptor): void {
	if (d.system || (d.type & 1) !== 0) return;
	const table = selector & 4 ? vcpu.ldtr.base : vcpu.gdtr.base;
	// The descriptor's high dword, read and written whole, as the CPU sets the bit (a #PF there has CR2 at it).
	const at = linear(table + (selector & 0xfff8) + 4);
	cpu.writeLinear32(at, cpu.readLinear32(at, false) | (1 << 8), false);
}

/**
 * A segment load checked by the guest's rules at its virtual CPL (what the
 * guest's ring 0 would be allowed), then put in the hardware compressed.
 * Used for the loads that fault at real ring 1 only because of compression.
 */
export function loadGuestSegment(cpu: SystemCpu, vcpu: VirtualCpu, seg: Seg, selector: number): void {
	const cpl = vcpu.cpl;
	const rpl = selector & 3;
	if ((selector & 0xfffc) === 0 && !(selector & 4)) {
		if (seg === Seg.SS || seg === Seg.CS) throw new CpuException(Vector.GP, 0);
		cpu.seg[seg] = nullDataSegment(selector);
		return;
	}
	const d = readGuestDescriptor(cpu, vcpu, selector);
	const error = selector & 0xfffc;
	if (seg === Seg.SS) {
		const writable = !d.system && (d.type & 0xa) === 2;
		if (rpl !== cpl || d.dpl !== cpl || !writable) throw new CpuException(Vector.GP, error);
		if (!d.present) throw new CpuException(Vector.SS, error);
		markGuestAccessed(cpu, vcpu, selector, d);
		cpu.seg[seg] = toSegmentCache((selector & 0xfffc) | realRing(cpl), compress({ ...d, type: d.type | 1 }, monitorBaseOf(cpu)));
		return;
	}
	const readable = !d.system && ((d.type & 8) === 0 || (d.type & 2) !== 0);
	const conformingCode = !d.system && (d.type & 0xc) === 0xc;
	if (!readable || (!conformingCode && d.dpl < Math.max(cpl, rpl))) throw new CpuException(Vector.GP, error);
	if (!d.present) throw new CpuException(Vector.NP, error);
	markGuestAccessed(cpu, vcpu, selector, d);
	cpu.seg[seg] = toSegmentCache(selector, compress({ ...d, type: d.type | 1 }, monitorBaseOf(cpu)));
}
