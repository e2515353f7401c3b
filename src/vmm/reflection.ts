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
import { guestRing0Stack } from './shadow-tables';
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

export interface ReflectionResult {
	handlerCs: number;
	handlerEip: number;
	fromCpl: number;
	toCpl: number;
}

export function reflect(cpu: SystemCpu, vcpu: VirtualCpu, r: Reflection, descriptors: GuestDescriptors = uncachedDescriptors): ReflectionResult {
	const ext = r.source === 'external' || r.source === 'fault' || r.source === 'trap' ? 1 : 0;
	const gateError = (r.vector << 3) | 2 | ext;
	if (r.vector * 8 + 7 > vcpu.idtr.limit) throw new CpuException(Vector.GP, gateError);
	// The gate is read every time (the IDT is not traced); the descriptors it names come from the monitor's cache.
	const gate = decodeGate({
		low: cpu.readLinear32(linear(vcpu.idtr.base + r.vector * 8), false),
		high: cpu.readLinear32(linear(vcpu.idtr.base + r.vector * 8 + 4), false),
	});
	// Task gates and 16-bit gates are not supported by this monitor: the guest sees #GP as from a bad gate.
	if (gate.type !== 0xe && gate.type !== 0xf) throw new CpuException(Vector.GP, gateError);
	if (r.source === 'software' && gate.dpl < vcpu.cpl) throw new CpuException(Vector.GP, gateError);
	if (!gate.present) throw new CpuException(Vector.NP, gateError);

	const codeError = (gate.selector & 0xfffc) | ext;
	if ((gate.selector & 0xfffc) === 0) throw new CpuException(Vector.GP, ext);
	const code = descriptors.lookup(cpu, vcpu, gate.selector);
	if (code.guest.system || (code.guest.type & 8) === 0 || code.guest.dpl > vcpu.cpl) throw new CpuException(Vector.GP, codeError);
	const conforming = (code.guest.type & 4) !== 0;
	const toCpl = conforming ? vcpu.cpl : code.guest.dpl;
	if (toCpl === 1 || toCpl === 2) throw middleRing(gate.selector, toCpl);
	if (!code.guest.present || !code.compressed.present) throw new CpuException(Vector.NP, codeError);
	const fromCpl = vcpu.cpl;

	// Materialised once: the lazy flags are not touched until the frame is pushed.
	const realFlags = cpu.getEflags();
	const flags = guestEflagsFrom(realFlags, vcpu);
	let stackSeg = cpu.seg[Seg.SS];
	let esp = cpu.regs[Reg.ESP] >>> 0;
	const stackSwitch = toCpl < fromCpl;
	let outerSs = 0;
	const outerEsp = esp;
	if (stackSwitch) {
		const stack = guestRing0Stack(cpu, vcpu);
		if (!stack) throw new CpuException(Vector.TS, vcpu.tr.selector & 0xfffc);
		const ssError = (stack.ss & 0xfffc) | ext;
		if ((stack.ss & 0xfffc) === 0 || (stack.ss & 3) !== toCpl) throw new CpuException(Vector.TS, ssError);
		const ss = descriptors.lookup(cpu, vcpu, stack.ss);
		if (ss.guest.system || (ss.guest.type & 0xa) !== 2 || ss.guest.dpl !== toCpl) throw new CpuException(Vector.TS, ssError);
		if (!ss.guest.present) throw new CpuException(Vector.SS, ssError);
		outerSs = guestSelector(cpu, vcpu, Seg.SS);
		stackSeg = hardwareSegment(ss, (stack.ss & 0xfffc) | realRing(toCpl));
		esp = stack.esp;
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
	cpu.seg[Seg.CS] = hardwareSegment(code, (gate.selector & 0xfffc) | realRing(toCpl));
	cpu.eip = gate.offset;
	cpu.cpl = realRing(toCpl);
	vcpu.cpl = toCpl;
	if (gate.type === 0xe) vcpu.interruptFlag = false;
	else vcpu.interruptFlag = (flags & Flag.IF) !== 0;
	cpu.setEflags((realFlags & ~(Flag.TF | Flag.NT | Flag.RF | Flag.VM | Flag.IOPL)) | Flag.IF);
	return { handlerCs: gate.selector, handlerEip: gate.offset, fromCpl, toCpl };
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
