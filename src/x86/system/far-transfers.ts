// Far JMP, far CALL and far RET between code segments, directly or through
// 32-bit call gates (a call gate to a more privileged non-conforming segment
// switches to the TSS stack and copies the gate's parameter count of dwords).
// TSS and task-gate targets raise #GP: task switching is not implemented.

import { CpuException, Vector } from '../exceptions';
import { Reg, Seg, type SegmentCache } from '../registers';
import {
	fetchDescriptor, isCode, isConformingCode, isWritableData, markAccessed, segmentCacheFrom, SystemType, type Descriptor,
} from './descriptors';
import { decodeGate } from './gates';
import { enterCodeSegment, revalidateDataSegments } from './segments';
import { isNullSelector, selectorErrorCode, selectorRpl } from './selectors';
import { StackCursor } from './stack';
import type { SystemCpu } from './system-cpu';
import { innerStack } from './tss';

const gp = (selector: number): CpuException => new CpuException(Vector.GP, selectorErrorCode(selector));
const np = (selector: number): CpuException => new CpuException(Vector.NP, selectorErrorCode(selector));

/** The current SS:ESP as a stack cursor; slots outside SS raise #SS(0). */
export function currentStack(cpu: SystemCpu): StackCursor {
	return new StackCursor(cpu, cpu.seg[Seg.SS], cpu.reg(Reg.ESP), cpu.cpl === 3, () => new CpuException(Vector.SS, 0));
}

export function setEsp(cpu: SystemCpu, esp: number): void {
	cpu.regs[Reg.ESP] = esp | 0;
}

interface FarTarget {
	selector: number;
	code: Descriptor;
	offset: number;
	cpl: number;
	paramCount: number;
}

function resolveTarget(cpu: SystemCpu, selector: number, offset: number, kind: 'jmp' | 'call'): FarTarget {
	if (isNullSelector(selector)) throw new CpuException(Vector.GP, 0);
	const d = fetchDescriptor(cpu, selector);
	if (d === undefined) throw gp(selector);
	if (isCode(d)) {
		if (isConformingCode(d) ? d.dpl > cpu.cpl : selectorRpl(selector) > cpu.cpl || d.dpl !== cpu.cpl) throw gp(selector);
		if (!d.present) throw np(selector);
		return { selector, code: d, offset, cpl: cpu.cpl, paramCount: 0 };
	}
	if (!d.system || d.type !== SystemType.CallGate32) throw gp(selector);
	const gate = decodeGate(d.raw);
	if (gate.dpl < cpu.cpl || gate.dpl < selectorRpl(selector)) throw gp(selector);
	if (!gate.present) throw np(selector);
	if (isNullSelector(gate.selector)) throw new CpuException(Vector.GP, 0);
	const code = fetchDescriptor(cpu, gate.selector);
	if (code === undefined || !isCode(code) || code.dpl > cpu.cpl) throw gp(gate.selector);
	// A JMP never changes privilege, so through a gate it may only reach the current ring.
	if (kind === 'jmp' && !isConformingCode(code) && code.dpl !== cpu.cpl) throw gp(gate.selector);
	if (!code.present) throw np(gate.selector);
	return { selector: gate.selector, code, offset: gate.offset, cpl: isConformingCode(code) ? cpu.cpl : code.dpl, paramCount: gate.paramCount };
}

function checkEntry(target: FarTarget): void {
	if (target.offset > target.code.limit) throw new CpuException(Vector.GP, 0);
}

export function farJump(cpu: SystemCpu, selector: number, offset: number): void {
	const target = resolveTarget(cpu, selector & 0xffff, offset >>> 0, 'jmp');
	checkEntry(target);
	enterCodeSegment(cpu, target.selector, markAccessed(cpu, target.selector, target.code), target.cpl);
	cpu.eip = target.offset;
}

export function farCall(cpu: SystemCpu, selector: number, offset: number, returnEip: number): void {
	const resolved = resolveTarget(cpu, selector & 0xffff, offset >>> 0, 'call');
	const target = { ...resolved, code: markAccessed(cpu, resolved.selector, resolved.code) };
	const oldStack = currentStack(cpu);
	const callerCs = cpu.seg[Seg.CS].selector;
	if (target.cpl === cpu.cpl) {
		oldStack.push32(callerCs);
		oldStack.push32(returnEip);
		checkEntry(target);
		setEsp(cpu, oldStack.esp);
	} else {
		const inner = innerStack(cpu, target.cpl, 0);
		const stack = new StackCursor(cpu, inner.ss, inner.esp, false, () => new CpuException(Vector.SS, selectorErrorCode(inner.ss.selector)));
		stack.push32(cpu.seg[Seg.SS].selector);
		stack.push32(cpu.reg(Reg.ESP));
		for (let i = target.paramCount - 1; i >= 0; i--) stack.push32(oldStack.peek32(i * 4));
		stack.push32(callerCs);
		stack.push32(returnEip);
		checkEntry(target);
		cpu.seg[Seg.SS] = inner.ss;
		setEsp(cpu, stack.esp);
	}
	enterCodeSegment(cpu, target.selector, target.code, target.cpl);
	cpu.eip = target.offset;
}

/** The code segment a RET or IRET pops, checked against the current CPL: never inward. */
export function checkReturnCode(cpu: SystemCpu, selector: number): Descriptor {
	if (isNullSelector(selector)) throw new CpuException(Vector.GP, 0);
	const d = fetchDescriptor(cpu, selector);
	const rpl = selectorRpl(selector);
	if (d === undefined || rpl < cpu.cpl || !isCode(d)) throw gp(selector);
	if (isConformingCode(d) ? d.dpl > rpl : d.dpl !== rpl) throw gp(selector);
	if (!d.present) throw np(selector);
	return d;
}

/** The outer stack a return to ring `rpl` pops. */
export function checkReturnStack(cpu: SystemCpu, selector: number, rpl: number): SegmentCache {
	if (isNullSelector(selector)) throw new CpuException(Vector.GP, 0);
	const d = fetchDescriptor(cpu, selector);
	if (d === undefined || selectorRpl(selector) !== rpl || !isWritableData(d) || d.dpl !== rpl) throw gp(selector);
	if (!d.present) throw new CpuException(Vector.SS, selectorErrorCode(selector));
	return segmentCacheFrom(selector, markAccessed(cpu, selector, d));
}

/** ESP after releasing `bytes` on an outer stack, honouring a 16-bit SS. */
export function releasedEsp(ss: SegmentCache, esp: number, bytes: number): number {
	return ss.big ? (esp + bytes) >>> 0 : ((esp & 0xffff0000) | ((esp + bytes) & 0xffff)) >>> 0;
}

export function farReturn(cpu: SystemCpu, popBytes: number): void {
	const stack = currentStack(cpu);
	const eip = stack.pop32();
	const csSelector = stack.pop32() & 0xffff;
	const code = checkReturnCode(cpu, csSelector);
	const rpl = selectorRpl(csSelector);
	stack.release(popBytes);
	if (rpl === cpu.cpl) {
		if (eip > code.limit) throw new CpuException(Vector.GP, 0);
		const accessed = markAccessed(cpu, csSelector, code);
		setEsp(cpu, stack.esp);
		enterCodeSegment(cpu, csSelector, accessed, rpl);
		cpu.eip = eip;
		return;
	}
	const outerEsp = stack.pop32();
	const ssSelector = stack.pop32() & 0xffff;
	const ss = checkReturnStack(cpu, ssSelector, rpl);
	if (eip > code.limit) throw new CpuException(Vector.GP, 0);
	enterCodeSegment(cpu, csSelector, markAccessed(cpu, csSelector, code), rpl);
	cpu.seg[Seg.SS] = ss;
	setEsp(cpu, releasedEsp(ss, outerEsp, popBytes));
	cpu.eip = eip;
	revalidateDataSegments(cpu);
}
