// Delivering an exception or interrupt to the guest in software, the way the
// guest's own IDT says the bare machine would: the monitor reads the guest's
// gate, builds the frame the guest expects (its CS RPL, its IF and IOPL),
// switches to the guest's ring-0 stack from the guest's TSS when coming from
// ring 3, and enters the handler at the real ring of the target.

import { linear } from '../x86/addresses';
import { CpuException, Vector, type InterruptSource } from '../x86/exceptions';
import { Flag, Reg, Seg, type SegmentCache } from '../x86/registers';
import type { SystemCpu } from '../x86/system/system-cpu';
import { decodeGate } from './descriptors';
import { hardwareSegment, uncachedDescriptors, type GuestDescriptors } from './guest-descriptors';
import { guestEflagsFrom, guestSelector, realRing } from './guest-state';
import { movedEsp, stackTop } from './guest-stack';
import { middleRing } from './unsupported-guest';
import type { VirtualCpu } from './virtual-cpu';

export interface Reflection {
	vector: number;
	source: InterruptSource;
	errorCode?: number;
	/** EIP pushed in the frame: the faulting instruction for faults, the next one for traps and INT n. */
	returnEip: number;
}

/**
 * What a gate resolves to for deliveries from one ring: checked once by the
 * guest's rules (resolveGate), then kept with the descriptors it was checked
 * against and reused while the gate's own bytes read the same.
 */
export interface ResolvedGate {
	/** The gate's two dwords as read from the guest's IDT. */
	low: number;
	high: number;
	selector: number;
	offset: number;
	interruptGate: boolean;
	toCpl: number;
	/** The handler's code segment as the hardware holds it. */
	code: SegmentCache;
	/** The inner stack's SS selector last found in the guest's TSS, and its hardware cache. */
	stackSelector: number;
	stack: SegmentCache | undefined;
}

/** Delivers `r`, leaving CS:EIP at the guest's handler; throws what the delivery raises, having changed nothing. */
export function reflect(cpu: SystemCpu, vcpu: VirtualCpu, r: Reflection, descriptors: GuestDescriptors = uncachedDescriptors): void {
	const ext = r.source === 'external' || r.source === 'fault' || r.source === 'trap' ? 1 : 0;
	const gateError = (r.vector << 3) | 2 | ext;
	if (r.vector * 8 + 7 > vcpu.idtr.limit) throw new CpuException(Vector.GP, gateError);
	const fromCpl = vcpu.cpl;
	// The gate is read every time (the IDT is not traced), both dwords at once when one RAM page the TLB grants
	// holds them; what it resolves to is kept with the descriptors it names.
	const gateAt = vcpu.idtr.base + r.vector * 8;
	const at = cpu.frameIndex32(gateAt, 8, false);
	const low = (at >= 0 ? cpu.ram32View[at] : cpu.readLinear32(linear(gateAt), false)) | 0;
	const high = (at >= 0 ? cpu.ram32View[at + 1] : cpu.readLinear32(linear(gateAt + 4), false)) | 0;
	const software = r.source === 'software';
	const key = gateKey(r.vector, fromCpl, software);
	let gate = descriptors.resolvedGate?.(key);
	if (gate === undefined || gate.low !== low || gate.high !== high) {
		gate = resolveGate(cpu, vcpu, low, high, software, ext, gateError, descriptors);
		descriptors.keepResolvedGate?.(key, gate);
	}
	const toCpl = gate.toCpl;

	// Materialised once: the lazy flags are not touched until the frame is pushed.
	const realFlags = cpu.getEflags();
	const flags = guestEflagsFrom(realFlags, vcpu);
	let stackSeg = cpu.seg[Seg.SS];
	let esp = cpu.regs[Reg.ESP] >>> 0;
	const stackSwitch = toCpl < fromCpl;
	let outerSs = 0;
	const outerEsp = esp;
	if (stackSwitch) {
		// The guest's TSS is read at every such delivery (it is not traced): ESP0 and SS0, at once when they can be.
		if (!vcpu.tr.usable || vcpu.tr.limit < 11) throw new CpuException(Vector.TS, vcpu.tr.selector & 0xfffc);
		const stacks = cpu.frameIndex32(vcpu.tr.base + 4, 8, false);
		esp = (stacks >= 0 ? cpu.ram32View[stacks] : cpu.readLinear32(linear(vcpu.tr.base + 4), false)) >>> 0;
		const ssSelector = stacks >= 0 ? cpu.ram32View[stacks + 1] & 0xffff : cpu.readLinear16(linear(vcpu.tr.base + 8), false);
		if (ssSelector !== gate.stackSelector || gate.stack === undefined) {
			gate.stack = innerStack(cpu, vcpu, ssSelector, toCpl, ext, descriptors);
			gate.stackSelector = ssSelector;
		}
		stackSeg = gate.stack;
		outerSs = guestSelector(cpu, vcpu, Seg.SS);
	}

	// Everything that can fault is checked or written before any register changes: a fault here leaves the guest state as it was.
	const frame = deliveryFrame;
	let count = 0;
	if (stackSwitch) {
		frame[count++] = outerSs;
		frame[count++] = outerEsp;
	}
	frame[count++] = flags;
	frame[count++] = guestSelector(cpu, vcpu, Seg.CS);
	frame[count++] = r.returnEip;
	if (r.errorCode !== undefined) frame[count++] = r.errorCode;
	esp = pushFrame(cpu, stackSeg, esp, frame, count);

	cpu.seg[Seg.SS] = stackSeg;
	cpu.regs[Reg.ESP] = esp;
	cpu.seg[Seg.CS] = gate.code;
	cpu.eip = gate.offset;
	cpu.cpl = realRing(toCpl);
	vcpu.cpl = toCpl;
	vcpu.interruptFlag = gate.interruptGate ? false : (flags & Flag.IF) !== 0;
	cpu.setEflags((realFlags & ~(Flag.TF | Flag.NT | Flag.RF | Flag.VM | Flag.IOPL)) | Flag.IF);
}

/** The gate `low`:`high` checked by the guest's rules for a delivery from the current virtual ring; throws what the hardware would raise. */
function resolveGate(cpu: SystemCpu, vcpu: VirtualCpu, low: number, high: number, software: boolean, ext: number, gateError: number, descriptors: GuestDescriptors): ResolvedGate {
	const gate = decodeGate({ low, high });
	// Task gates and 16-bit gates are not supported by this monitor: the guest sees #GP as from a bad gate.
	if (gate.type !== 0xe && gate.type !== 0xf) throw new CpuException(Vector.GP, gateError);
	if (software && gate.dpl < vcpu.cpl) throw new CpuException(Vector.GP, gateError);
	if (!gate.present) throw new CpuException(Vector.NP, gateError);
	const codeError = (gate.selector & 0xfffc) | ext;
	if ((gate.selector & 0xfffc) === 0) throw new CpuException(Vector.GP, ext);
	const code = descriptors.lookup(cpu, vcpu, gate.selector);
	if (code.guest.system || (code.guest.type & 8) === 0 || code.guest.dpl > vcpu.cpl) throw new CpuException(Vector.GP, codeError);
	const conforming = (code.guest.type & 4) !== 0;
	const toCpl = conforming ? vcpu.cpl : code.guest.dpl;
	if (toCpl === 1 || toCpl === 2) throw middleRing(gate.selector, toCpl);
	if (!code.guest.present || !code.compressed.present) throw new CpuException(Vector.NP, codeError);
	return {
		low, high, selector: gate.selector, offset: gate.offset, interruptGate: gate.type === 0xe, toCpl,
		code: hardwareSegment(code, (gate.selector & 0xfffc) | realRing(toCpl)), stackSelector: -1, stack: undefined,
	};
}

/** Where a gate's resolution is kept: by vector, the ring delivered from, and whether INT n asked (its DPL check). */
export const gateKey = (vector: number, fromCpl: number, software: boolean): number => (vector * 4 + fromCpl) * 2 + (software ? 1 : 0);

/** The ring-`toCpl` stack segment the guest's TSS names, checked as a stack switch checks it. */
function innerStack(cpu: SystemCpu, vcpu: VirtualCpu, selector: number, toCpl: number, ext: number, descriptors: GuestDescriptors): SegmentCache {
	const ssError = (selector & 0xfffc) | ext;
	if ((selector & 0xfffc) === 0 || (selector & 3) !== toCpl) throw new CpuException(Vector.TS, ssError);
	const ss = descriptors.lookup(cpu, vcpu, selector);
	if (ss.guest.system || (ss.guest.type & 0xa) !== 2 || ss.guest.dpl !== toCpl) throw new CpuException(Vector.TS, ssError);
	if (!ss.guest.present) throw new CpuException(Vector.SS, ssError);
	return hardwareSegment(ss, (selector & 0xfffc) | realRing(toCpl));
}

/** The frame reflect pushes, built here first: at most SS, ESP, EFLAGS, CS, EIP and an error code. */
const deliveryFrame = new Uint32Array(6);

/**
 * Writes the first `count` of `values` below `esp` on the stack `ss` describes,
 * the first highest, as that many pushes would (registers untouched); returns
 * the new ESP. A frame in one page of RAM the TLB already grants is written in one go.
 */
function pushFrame(cpu: SystemCpu, ss: SegmentCache, esp: number, values: Uint32Array, count: number): number {
	const bytes = count * 4;
	const moved = movedEsp(ss, esp, -bytes);
	// Unless SP wraps inside it, the frame is one run of bytes from the new top up.
	if ((ss.big ? esp >>> 0 : esp & 0xffff) >= bytes) {
		const i = cpu.frameIndex32(stackTop(ss, moved), bytes, true);
		if (i >= 0) {
			const ram = cpu.ram32View;
			for (let k = 0; k < count; k++) ram[i + count - 1 - k] = values[k];
			return moved;
		}
	}
	for (let k = 0; k < count; k++) {
		esp = movedEsp(ss, esp, -4);
		cpu.writeLinear32(stackTop(ss, esp), values[k], false);
	}
	return esp;
}
