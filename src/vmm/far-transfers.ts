// IRET, RETF and far JMP/CALL by the guest's rules at its virtual CPL. At real
// ring 1 the hardware refuses a return "to ring 0" (a more privileged level)
// and pushes CS with RPL 1; the monitor does them against the guest's own
// descriptors and moves the hardware to the real ring of the target.

import { CpuException, Vector } from '../x86/exceptions';
import { Flag, Reg, Seg, type SegmentCache } from '../x86/registers';
import { revalidateDataSegments } from '../x86/system/segments';
import type { SystemCpu } from '../x86/system/system-cpu';
import { isCallGate } from './descriptors';
import { hardwareSegment, returnKey, uncachedDescriptors, type CodeTarget, type GuestDescriptor, type GuestDescriptors } from './guest-descriptors';
import { guestEflagsFrom, guestSelector, realRing, setGuestEflags, takeRing3Flags } from './guest-state';
import { movedEsp, peekFrame, peekStack, pushStack, releaseStack } from './guest-stack';
import { callGate, middleRing } from './unsupported-guest';
import type { VirtualCpu } from './virtual-cpu';

/**
 * Checks a code selector for a transfer to `rpl` and returns the hardware cache for it. What a
 * return passed is kept with the descriptor (so for as long as the monitor's descriptor cache
 * keeps that): the checks depend only on the descriptor, the selector's RPL and the ring returned from.
 */
function codeTarget(cpu: SystemCpu, vcpu: VirtualCpu, selector: number, returning: boolean, descriptors: GuestDescriptors = uncachedDescriptors): CodeTarget {
	if ((selector & 0xfffc) === 0) throw new CpuException(Vector.GP, 0);
	const entry = descriptors.lookup(cpu, vcpu, selector);
	if (!returning) return checkCodeTarget(entry, vcpu, selector, false);
	const key = returnKey(selector & 3, vcpu.cpl);
	return (entry.returns[key] ??= checkCodeTarget(entry, vcpu, selector, true));
}

function checkCodeTarget(entry: GuestDescriptor, vcpu: VirtualCpu, selector: number, returning: boolean): CodeTarget {
	const d = entry.guest;
	const error = selector & 0xfffc;
	if (isCallGate(d) && d.present) throw callGate(selector);
	if (d.system || (d.type & 8) === 0) throw new CpuException(Vector.GP, error);
	const conforming = (d.type & 4) !== 0;
	const rpl = selector & 3;
	const targetCpl = returning ? rpl : vcpu.cpl;
	if (returning && rpl < vcpu.cpl) throw new CpuException(Vector.GP, error);
	if (conforming ? d.dpl > targetCpl : d.dpl !== targetCpl) throw new CpuException(Vector.GP, error);
	if (!returning && rpl > vcpu.cpl) throw new CpuException(Vector.GP, error);
	if (targetCpl === 1 || targetCpl === 2) throw middleRing(selector, targetCpl);
	// Not present in its compressed form too: a code segment compression could not keep out of the monitor.
	if (!d.present || !entry.compressed.present) throw new CpuException(Vector.NP, error);
	return { cpl: targetCpl, cache: hardwareSegment(entry, (selector & 0xfffc) | realRing(targetCpl)) };
}

/** The SS an outward return to ring `cpl` loads from `selector`; what passed is kept with the descriptor, as codeTarget keeps returns. */
function outerStack(cpu: SystemCpu, vcpu: VirtualCpu, selector: number, cpl: number, descriptors: GuestDescriptors = uncachedDescriptors): SegmentCache {
	const error = selector & 0xfffc;
	if (error === 0 || (selector & 3) !== cpl) throw new CpuException(Vector.GP, error);
	const entry = descriptors.lookup(cpu, vcpu, selector);
	const kept = entry.outerStacks[cpl];
	if (kept !== undefined) return kept;
	const d = entry.guest;
	if (d.system || (d.type & 0xa) !== 2 || d.dpl !== cpl) throw new CpuException(Vector.GP, error);
	if (!d.present) throw new CpuException(Vector.SS, error);
	return (entry.outerStacks[cpl] = hardwareSegment(entry, (selector & 0xfffc) | realRing(cpl)));
}

/** Where an emulated IRET went, for the event that reports it. */
export interface IretDone {
	cs: number;
	eip: number;
	fromCpl: number;
	toCpl: number;
}

export function describeIret(r: IretDone): string {
	return `emulated IRET to ${r.cs.toString(16).padStart(4, '0')}:${r.eip.toString(16).padStart(8, '0')} (guest ring ${r.fromCpl} -> ${r.toCpl})`;
}

/** Where emulateIret reads its frame: one buffer, as an IRET reads its frame before anything can interrupt it. */
const iretFrame = new Uint32Array(3);

/** IRET by the guest's rules; `descriptors` may be the monitor's cache when its shadow GDT is current. */
export function emulateIret(cpu: SystemCpu, vcpu: VirtualCpu, size: 2 | 4, descriptors: GuestDescriptors = uncachedDescriptors): IretDone {
	// Every flag is replaced from the frame: the arithmetic ones need not be worked out first.
	const current = guestEflagsFrom(cpu.systemFlags(), vcpu);
	if (current & Flag.NT) throw new CpuException(Vector.GP, 0);
	const frame = iretFrame;
	peekFrame(cpu, 0, 3, size, frame);
	const eip = frame[0];
	const cs = frame[1] & 0xffff;
	let flags = size === 2 ? (current & 0xffff0000) | frame[2] : frame[2];
	const target = codeTarget(cpu, vcpu, cs, true, descriptors);
	const fromCpl = vcpu.cpl;
	// IOPL changes only at CPL 0 and IF only when CPL <= IOPL: the guest's rules, at its virtual CPL.
	let keep = 0;
	if (fromCpl > 0) keep |= Flag.IOPL;
	if (fromCpl > vcpu.iopl) keep |= Flag.IF;
	flags = (flags & ~keep) | (current & keep);
	if (target.cpl > fromCpl) {
		peekFrame(cpu, 3 * size, 2, size, frame);
		const esp = frame[0];
		const ss = outerStack(cpu, vcpu, frame[1] & 0xffff, target.cpl, descriptors);
		cpu.seg[Seg.SS] = ss;
		cpu.regs[Reg.ESP] = esp;
	} else {
		releaseStack(cpu, 3 * size);
	}
	enterIretTarget(cpu, vcpu, target, eip, flags);
	return { cs, eip, fromCpl, toCpl: target.cpl };
}

/**
 * The end of an IRET whose frame was read and checked (the stack already popped): CS:EIP and the ring of
 * `target`, EFLAGS `flags` taken as the guest's at that ring.
 */
export function enterIretTarget(cpu: SystemCpu, vcpu: VirtualCpu, target: CodeTarget, eip: number, flags: number): void {
	const fromCpl = vcpu.cpl;
	cpu.seg[Seg.CS] = target.cache;
	cpu.eip = eip;
	cpu.cpl = realRing(target.cpl);
	vcpu.cpl = target.cpl;
	// Data segments the outer ring may not use are nulled, as the hardware does (compressed DPLs compare as the guest's).
	if (target.cpl > fromCpl) revalidateDataSegments(cpu);
	setGuestEflags(cpu, vcpu, flags);
}

export function emulateRetf(cpu: SystemCpu, vcpu: VirtualCpu, popBytes: number): string {
	const eip = peekStack(cpu, 0, 4);
	const cs = peekStack(cpu, 4, 4) & 0xffff;
	const target = codeTarget(cpu, vcpu, cs, true);
	const fromCpl = vcpu.cpl;
	if (target.cpl > fromCpl) {
		const esp = peekStack(cpu, 8 + popBytes, 4);
		const ss = outerStack(cpu, vcpu, peekStack(cpu, 12 + popBytes, 4) & 0xffff, target.cpl);
		cpu.seg[Seg.SS] = ss;
		cpu.regs[Reg.ESP] = movedEsp(ss, esp, popBytes);
	} else {
		releaseStack(cpu, 8 + popBytes);
	}
	cpu.seg[Seg.CS] = target.cache;
	cpu.eip = eip;
	cpu.cpl = realRing(target.cpl);
	vcpu.cpl = target.cpl;
	if (target.cpl > fromCpl) revalidateDataSegments(cpu);
	if (fromCpl === 0 && target.cpl === 3) takeRing3Flags(cpu, vcpu);
	return `emulated RETF to ${cs.toString(16).padStart(4, '0')}:${eip.toString(16).padStart(8, '0')}`;
}

/** Far JMP or CALL to a code segment at the same virtual ring (call gates are not supported: #GP). */
export function emulateFarTransfer(cpu: SystemCpu, vcpu: VirtualCpu, selector: number, offset: number, returnEip?: number): string {
	const target = codeTarget(cpu, vcpu, selector, false);
	if (returnEip !== undefined) {
		const cs = guestSelector(cpu, vcpu, Seg.CS);
		const esp = cpu.regs[Reg.ESP];
		try {
			pushStack(cpu, cs, 4);
			pushStack(cpu, returnEip, 4);
		} catch (e) {
			cpu.regs[Reg.ESP] = esp;
			throw e;
		}
	}
	cpu.seg[Seg.CS] = target.cache;
	cpu.eip = offset >>> 0;
	return `emulated far ${returnEip === undefined ? 'JMP' : 'CALL'} to ${selector.toString(16).padStart(4, '0')}:${(offset >>> 0).toString(16).padStart(8, '0')}`;
}
