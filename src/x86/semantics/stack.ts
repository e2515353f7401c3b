// PUSH POP PUSHA(D) POPA(D) ENTER LEAVE. Every template leaves ESP as it was
// when a stack access faults: values are read with peeks and ESP moves last.

import { Reg, Seg } from '../registers';
import type { DecodedInstruction } from '../decoded-instruction';
import type { CodeGen, Template } from './codegen';

const width = (ins: DecodedInstruction): 16 | 32 => ins.operandSize;

const push: Template = (ins, g) => {
	const op = ins.operands[0];
	const size = width(ins);
	// PUSH sreg pushes the selector zero-extended (recent Intel parts write only the low word; the stack slot is the same size).
	const value = op.kind === 'sreg' ? `c.seg[${op.seg}].selector` : g.read(op, size);
	return size === 16 ? `c.push16(${value});` : `c.push32(${value});`;
};

const pop: Template = (ins, g) => {
	const op = ins.operands[0];
	const size = width(ins);
	const bytes = size / 8;
	const peek = size === 16 ? 'c.peek16(0)' : 'c.peek32(0)';
	if (op.kind === 'sreg') return `const v = ${peek}; ${g.syncCount()} sys.loadSegment(c, ${op.seg}, v & 65535); c.adjustStack(${bytes});`;
	if (op.kind === 'reg') return `const v = ${peek}; c.adjustStack(${bytes}); ${g.setReg(op.reg, size, 'v')}`;
	// POP m computes its address with ESP already incremented.
	if (op.kind !== 'mem') return g.raise(6);
	return `const v = ${peek}; const sp = r[${Reg.ESP}]; c.adjustStack(${bytes}); try { ${g.writeMem(op.mem.seg, g.ea(op.mem), size, 'v')} } catch (e) { r[${Reg.ESP}] = sp; throw e; }`;
};

function pushAll(ins: DecodedInstruction, g: CodeGen): string {
	const size = width(ins);
	const order = [Reg.EAX, Reg.ECX, Reg.EDX, Reg.EBX, Reg.ESP, Reg.EBP, Reg.ESI, Reg.EDI];
	const pushes = order.map((reg) => (reg === Reg.ESP ? `c.push${size}(sp);` : `c.push${size}(${g.reg(reg, size)});`)).join(' ');
	return `const sp = r[${Reg.ESP}]; try { ${pushes} } catch (e) { r[${Reg.ESP}] = sp; throw e; }`;
}

function popAll(ins: DecodedInstruction, g: CodeGen): string {
	const size = width(ins);
	const bytes = size / 8;
	const order = [Reg.EDI, Reg.ESI, Reg.EBP, Reg.ESP, Reg.EBX, Reg.EDX, Reg.ECX, Reg.EAX];
	const reads = order.map((_reg, i) => `const v${i} = c.peek${size}(${i * bytes});`).join(' ');
	const writes = order.map((reg, i) => (reg === Reg.ESP ? '' : g.setReg(reg, size, `v${i}`))).join(' ');
	return `${reads} ${writes} c.adjustStack(${8 * bytes});`;
}

const enter: Template = (ins, g) => {
	if (width(ins) === 16) return g.raise(6);
	const [size, level] = ins.operands as { value: number }[];
	const nesting = level.value & 31;
	const outer = nesting > 1
		? `for (let i = 1; i < ${nesting}; i++) { bp = (bp - 4) | 0; c.push32(c.readSeg32(${Seg.SS}, bp)); }`
		: '';
	const link = nesting > 0 ? 'c.push32(frame);' : '';
	return `const sp = r[${Reg.ESP}]; const bp0 = r[${Reg.EBP}]; let bp = bp0; try { c.push32(bp0); const frame = r[${Reg.ESP}]; ${outer} ${link} c.adjustStack(-${size.value}); r[${Reg.EBP}] = frame; } catch (e) { r[${Reg.ESP}] = sp; r[${Reg.EBP}] = bp0; throw e; }`;
};

const leave: Template = (ins) => {
	const size = width(ins);
	return `const sp = r[${Reg.ESP}]; r[${Reg.ESP}] = r[${Reg.EBP}]; let v; try { v = c.peek${size}(0); } catch (e) { r[${Reg.ESP}] = sp; throw e; } c.adjustStack(${size / 8}); r[${Reg.EBP}] = ${size === 16 ? `(r[${Reg.EBP}] & -65536) | v` : 'v'};`;
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
