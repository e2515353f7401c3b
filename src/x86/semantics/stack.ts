// PUSH POP PUSHA(D) POPA(D) ENTER LEAVE. Every template leaves ESP as it was
// when a stack access faults: values are read with peeks and ESP moves last.

import { Reg, Seg } from '../registers';
import type { DecodedInstruction } from '../decoded-instruction';
import type { CodeGen, Template } from './codegen';

const width = (ins: DecodedInstruction): 16 | 32 => ins.operandSize;

const push: Template = (ins, g) => {
	const op = ins.operands[0];
	// PUSH sreg pushes the selector zero-extended (recent Intel parts write only the low word; the stack slot is the same size).
	const value = op.kind === 'sreg' ? `c.seg[${op.seg}].selector` : g.read(op, width(ins));
	return g.push(width(ins), value);
};

const pop: Template = (ins, g) => {
	const op = ins.operands[0];
	const size = width(ins);
	const bytes = size / 8;
	const peek = g.peek(size, 0);
	if (op.kind === 'sreg') return `const v = ${peek}; ${g.syncCount()} ${g.withState(`sys.loadSegment(c, ${op.seg}, v & 65535);`)} ${g.adjustStack(bytes)}`;
	if (op.kind === 'reg') return `${g.peekInto('v', size, 0)} ${g.adjustStack(bytes)} ${g.setReg(op.reg, size, 'v')}`;
	// POP m computes its address with ESP already incremented.
	if (op.kind !== 'mem') return g.raise(6);
	const esp = g.reg(Reg.ESP, 32);
	return `const v = ${peek}; const sp = ${esp}; ${g.adjustStack(bytes)} try { ${g.writeMem(op.mem.seg, g.ea(op.mem), size, 'v', g.setReg(Reg.ESP, 32, 'sp'))} } catch (e) { ${g.setReg(Reg.ESP, 32, 'sp')} throw e; }`;
};

function pushAll(ins: DecodedInstruction, g: CodeGen): string {
	const size = width(ins);
	const order = [Reg.EAX, Reg.ECX, Reg.EDX, Reg.EBX, Reg.ESP, Reg.EBP, Reg.ESI, Reg.EDI];
	const pushes = order.map((reg) => g.push(size, reg === Reg.ESP ? 'sp' : g.reg(reg, size))).join(' ');
	return `const sp = ${g.reg(Reg.ESP, 32)}; try { ${pushes} } catch (e) { ${g.setReg(Reg.ESP, 32, 'sp')} throw e; }`;
}

function popAll(ins: DecodedInstruction, g: CodeGen): string {
	const size = width(ins);
	const bytes = size / 8;
	const order = [Reg.EDI, Reg.ESI, Reg.EBP, Reg.ESP, Reg.EBX, Reg.EDX, Reg.ECX, Reg.EAX];
	const reads = order.map((_reg, i) => `const v${i} = ${g.peek(size, i * bytes)};`).join(' ');
	const writes = order.map((reg, i) => (reg === Reg.ESP ? '' : g.setReg(reg, size, `v${i}`))).join(' ');
	return `${reads} ${writes} ${g.adjustStack(8 * bytes)}`;
}

const enter: Template = (ins, g) => {
	if (width(ins) === 16) return g.raise(6);
	const [size, level] = ins.operands as { value: number }[];
	const nesting = level.value & 31;
	const esp = g.reg(Reg.ESP, 32);
	const outer = nesting > 1
		? `for (let i = 1; i < ${nesting}; i++) { bp = (bp - 4) | 0; ${g.push(32, `c.readSeg32(${Seg.SS}, bp)`)} }`
		: '';
	const link = nesting > 0 ? g.push(32, 'frame') : '';
	return `const sp = ${esp}; const bp0 = ${g.reg(Reg.EBP, 32)}; let bp = bp0; try { ${g.push(32, 'bp0')} const frame = ${esp}; ${outer} ${link} ${g.adjustStack(-size.value)} ${g.setReg(Reg.EBP, 32, 'frame')} } catch (e) { ${g.setReg(Reg.ESP, 32, 'sp')} ${g.setReg(Reg.EBP, 32, 'bp0')} throw e; }`;
};

const leave: Template = (ins, g) => {
	const size = width(ins);
	const esp = g.reg(Reg.ESP, 32);
	return `const sp = ${esp}; ${g.setReg(Reg.ESP, 32, g.reg(Reg.EBP, 32))} let v; try { v = ${g.peek(size, 0)}; } catch (e) { ${g.setReg(Reg.ESP, 32, 'sp')} throw e; } ${g.adjustStack(size / 8)} ${g.setReg(Reg.EBP, size, 'v')}`;
};

export const stack: Record<string, Template> = {
	push,
	pop,
	pushad: pushAll,
	pusha: pushAll,
	popad: popAll,
	popa: popAll,
	enter,
	leave,
};
