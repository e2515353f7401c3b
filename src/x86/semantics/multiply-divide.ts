// MUL IMUL DIV IDIV. MUL/IMUL set CF = OF = "the high half is significant";
// SF ZF PF (undefined in the manual) follow the low half of the result and AF
// is cleared. DIV/IDIV leave all flags unchanged (undefined in the manual) and
// raise #DE before writing anything.

import { Reg } from '../registers';
import type { CodeGen, Template } from './codegen';
import type { DecodedInstruction, OperandSize } from '../decoded-instruction';

/** The accumulator pair of a one-operand multiply or divide: [low register, high register, low as read, high as read]. */
function accumulator(g: CodeGen, size: OperandSize): { lo: string; hi: string; setLo: (v: string) => string; setHi: (v: string) => string } {
	if (size === 8) return { lo: g.reg(Reg.EAX, 8), hi: g.reg(4, 8), setLo: (v) => g.setReg(Reg.EAX, 8, v), setHi: (v) => g.setReg(4, 8, v) };
	return { lo: g.reg(Reg.EAX, size), hi: g.reg(Reg.EDX, size), setLo: (v) => g.setReg(Reg.EAX, size, v), setHi: (v) => g.setReg(Reg.EDX, size, v) };
}

function widening(signed: boolean) {
	return (ins: DecodedInstruction, g: CodeGen): string => {
		const size = g.size(ins.operands[0]);
		const acc = accumulator(g, size);
		const src = g.read(ins.operands[0], size);
		if (size === 32) {
			const high = signed ? 'alu.mulHighS32(a, b)' : 'alu.mulHighU32(a, b)';
			const significant = signed ? 'hi !== (lo >> 31)' : 'hi !== 0';
			return `const a = ${acc.lo}; const b = ${src}; const lo = Math.imul(a, b); const hi = ${high}; ${acc.setLo('lo')} ${acc.setHi('hi')} ${g.flagWork(`const s = ${significant}; c.setResultFlags(lo, 32, s, s, false);`)}`;
		}
		const a = signed ? g.signExtend(acc.lo, size) : acc.lo;
		const b = signed ? g.signExtend('y', size) : 'y';
		const significant = signed ? `p !== ${g.signExtend(`p & ${size === 8 ? 255 : 65535}`, size)}` : `(p >>> ${size}) !== 0`;
		const store = size === 8 ? g.setReg(Reg.EAX, 16, 'p') : `${acc.setLo('p')} ${acc.setHi(`p >> 16`)}`;
		return `const y = ${src}; const p = ${a} * ${b}; ${store} ${g.flagWork(`const s = ${significant}; c.setResultFlags(p, ${size}, s, s, false);`)}`;
	};
}

/** IMUL r, r/m and IMUL r, r/m, imm: the truncated product. */
function truncating(ins: DecodedInstruction, g: CodeGen): string {
	const [dst, src1, src2] = ins.operands;
	const size = g.size(dst) as 16 | 32;
	const a = g.signExtend(g.read(src2 ? src1 : dst, size), size);
	const b = g.signExtend(g.read(src2 ?? src1, size), size);
	const reg = (dst as { reg: number }).reg;
	if (size === 32) {
		return `const a = ${a}; const b = ${b}; const v = Math.imul(a, b); ${g.setReg(reg, 32, 'v')} ${g.flagWork('const s = a * b !== v; c.setResultFlags(v, 32, s, s, false);')}`;
	}
	return `const p = ${a} * ${b}; const v = p & 65535; ${g.setReg(reg, 16, 'v')} ${g.flagWork(`const s = p !== ${g.signExtend('v', 16)}; c.setResultFlags(v, 16, s, s, false);`)}`;
}

function divide(signed: boolean): Template {
	return (ins, g) => {
		const size = g.size(ins.operands[0]);
		const acc = accumulator(g, size);
		// Division by zero is raised here, without an unwind; the helper raises a quotient overflow.
		const call = `alu.${signed ? 'divS' : 'divU'}(${acc.hi}, ${acc.lo}, d, ${size})`;
		const zero = size === 32 ? 'd === 0' : `(d & ${(1 << size) - 1}) === 0`;
		return `const d = ${g.read(ins.operands[0], size)}; if (${zero}) ${g.raise(0)} const q = ${call}; const rem = alu.divOut.remainder; ${acc.setLo('q')} ${acc.setHi('rem')}`;
	};
}

export const multiplyDivide: Record<string, Template> = {
	mul: widening(false),
	imul: (ins, g) => (ins.operands.length === 1 ? widening(true)(ins, g) : truncating(ins, g)),
	div: divide(false),
	idiv: divide(true),
};
