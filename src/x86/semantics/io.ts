// IN OUT INS OUTS. Every access asks the system layer first (CPL <= IOPL or
// the TSS I/O bitmap); at ring 1 under a monitor with IOPL 0 that is the trap.

import { Reg, Seg } from '../registers';
import type { CodeGen, Template } from './codegen';
import { repeat } from './string';
import type { DecodedInstruction, Operand, OperandSize } from '../decoded-instruction';

const port = (op: Operand, g: CodeGen): string => (op.kind === 'imm' ? String(op.value & 0xff) : g.reg(Reg.EDX, 16));

/** The permission check on port `p`: a #GP(0) the template raises itself, without an unwind. */
const permitted = (g: CodeGen, size: OperandSize): string => `if (!sys.ioPermitted(c, p, ${size / 8})) ${g.raise(13, 0)}`;

function stringSize(ins: DecodedInstruction): OperandSize {
	const op = ins.operands.find((o) => o.kind === 'string');
	return op && op.kind === 'string' ? op.size : 8;
}

export const io: Record<string, Template> = {
	in: (ins, g) => {
		const [dst, src] = ins.operands;
		const size = g.size(dst);
		return `const p = ${port(src, g)}; ${permitted(g, size)} ${g.syncCount()} ${g.withState(`const v = c.io.read(p, ${size / 8});`)} ${g.access(dst, 'ea').write('v')}`;
	},
	out: (ins, g) => {
		const [dst, src] = ins.operands;
		const size = g.size(src);
		return `const p = ${port(dst, g)}; const v = ${g.read(src)} >>> 0; ${permitted(g, size)} ${g.syncCount()} ${g.withState(`c.io.write(p, ${size / 8}, v);`)}`;
	},
	...Object.fromEntries(['insb', 'insw', 'insd'].map((name) => [name, ((ins, g) => {
		const size = stringSize(ins);
		const body = `${g.syncRegs()} const v = c.io.read(p, ${size / 8}); ${g.writeMem(Seg.ES, g.stringReg(Reg.EDI, ins.addressSize), size, 'v')} ${g.stringAdvance(Reg.EDI, ins.addressSize, 'd')}`;
		return `const p = ${g.reg(Reg.EDX, 16)}; ${permitted(g, size)} ${g.syncCount()} ${repeat(ins, g, body)}`;
	}) as Template])),
	...Object.fromEntries(['outsb', 'outsw', 'outsd'].map((name) => [name, ((ins, g) => {
		const size = stringSize(ins);
		const src = ins.segmentPrefix ?? Seg.DS;
		const body = `const v = ${g.readMem(src, g.stringReg(Reg.ESI, ins.addressSize), size)} >>> 0; ${g.syncRegs()} c.io.write(p, ${size / 8}, v); ${g.stringAdvance(Reg.ESI, ins.addressSize, 'd')}`;
		return `const p = ${g.reg(Reg.EDX, 16)}; ${permitted(g, size)} ${g.syncCount()} ${repeat(ins, g, body)}`;
	}) as Template])),
};
