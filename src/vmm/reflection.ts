// Delivering an exception or interrupt to the guest in software, the way the
// guest's own IDT says the bare machine would: the monitor reads the guest's
// gate, builds the frame the guest expects (its CS RPL, its IF and IOPL),
// switches to the guest's ring-0 stack from the guest's TSS when coming from
// ring 3, and enters the handler at the real ring of the target.

import { linear } from '../x86/addresses';
import { CpuException, Vector, type InterruptSource } from '../x86/exceptions';
import { Flag, Reg, Seg } from '../x86/registers';
import type { SystemCpu } from '../x86/system/system-cpu';
import { compress, decodeGate, toSegmentCache } from './descriptors';
import { guestEflags, guestSelector, readGuestDescriptor, realRing } from './guest-state';
import { guestRing0Stack } from './shadow-tables';
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

export function reflect(cpu: SystemCpu, vcpu: VirtualCpu, r: Reflection): ReflectionResult {
	const ext = r.source === 'external' || r.source === 'fault' || r.source === 'trap' ? 1 : 0;
	const gateError = (r.vector << 3) | 2 | ext;
	if (r.vector * 8 + 7 > vcpu.idtr.limit) throw new CpuException(Vector.GP, gateError);
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
	const code = readGuestDescriptor(cpu, vcpu, gate.selector);
	if (code.system || (code.type & 8) === 0 || code.dpl > vcpu.cpl) throw new CpuException(Vector.GP, codeError);
	if (!code.present) throw new CpuException(Vector.NP, codeError);
	const conforming = (code.type & 4) !== 0;
	const toCpl = conforming ? vcpu.cpl : code.dpl;
	const fromCpl = vcpu.cpl;

	const flags = guestEflags(cpu, vcpu);
	const frame: number[] = [];
	let stackSeg = cpu.seg[Seg.SS];
	let esp = cpu.regs[Reg.ESP] >>> 0;
	if (toCpl < fromCpl) {
		const stack = guestRing0Stack(cpu, vcpu);
		if (!stack) throw new CpuException(Vector.TS, vcpu.tr.selector & 0xfffc);
		const ssError = (stack.ss & 0xfffc) | ext;
		if ((stack.ss & 0xfffc) === 0 || (stack.ss & 3) !== toCpl) throw new CpuException(Vector.TS, ssError);
		const ss = readGuestDescriptor(cpu, vcpu, stack.ss);
		if (ss.system || (ss.type & 0xa) !== 2 || ss.dpl !== toCpl) throw new CpuException(Vector.TS, ssError);
		if (!ss.present) throw new CpuException(Vector.SS, ssError);
		frame.push(guestSelector(cpu, vcpu, Seg.SS), esp);
		stackSeg = toSegmentCache((stack.ss & 0xfffc) | realRing(toCpl), compress(ss));
		esp = stack.esp;
	}
	frame.push(flags, guestSelector(cpu, vcpu, Seg.CS), r.returnEip >>> 0);
	if (r.errorCode !== undefined) frame.push(r.errorCode);

	// Everything that can fault is checked or written before any register changes: a fault here leaves the guest state as it was.
	for (const value of frame) {
		esp = (esp - 4) >>> 0;
		cpu.writeLinear32(linear(stackSeg.base + esp), value, false);
	}

	cpu.seg[Seg.SS] = stackSeg;
	cpu.regs[Reg.ESP] = esp;
	cpu.seg[Seg.CS] = toSegmentCache((gate.selector & 0xfffc) | realRing(toCpl), compress(code));
	cpu.eip = gate.offset;
	cpu.cpl = realRing(toCpl);
	vcpu.cpl = toCpl;
	if (gate.type === 0xe) vcpu.interruptFlag = false;
	else vcpu.interruptFlag = (flags & Flag.IF) !== 0;
	cpu.setEflags((cpu.getEflags() & ~(Flag.TF | Flag.NT | Flag.RF | Flag.VM | Flag.IOPL)) | Flag.IF);
	return { handlerCs: gate.selector, handlerEip: gate.offset, fromCpl, toCpl };
}
