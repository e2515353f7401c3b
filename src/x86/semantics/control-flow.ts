// JMP CALL RET (near and far) Jcc LOOP/LOOPcc JECXZ INT/INT3/INTO IRET UD2.
// The block compiler has already set c.eip to the next instruction when a
// control transfer (always the last instruction of a block) runs; these
// templates overwrite it. INT n is not delivered here: the run loop returns
// it to whoever runs the CPU.

import { Reg } from '../registers';
import type { DecodedInstruction, Operand } from '../decoded-instruction';
import type { CodeGen, Template } from './codegen';

const CONDITIONS = ['o', 'no', 'b', 'ae', 'e', 'ne', 'be', 'a', 's', 'ns', 'p', 'np', 'l', 'ge', 'le', 'g'];

/** Near target: an offset in CS, truncated to 16 bits under a 16-bit operand size. */
function nearTarget(ins: DecodedInstruction, g: CodeGen, op: Operand): string {
	const mask = ins.operandSize === 16 ? ' & 65535' : ' >>> 0';
	if (op.kind === 'near') return String(ins.operandSize === 16 ? op.target & 0xffff : op.target >>> 0);
	return `(${g.read(op, ins.operandSize)}${mask})`;
}

/** Reads a m16:32 far pointer: `off` and `sel` locals. */
function farPointer(g: CodeGen, op: Operand): string {
	if (op.kind === 'far') return `const off = ${op.offset >>> 0}; const sel = ${op.selector};`;
	if (op.kind !== 'mem') return g.raise(6);
	const seg = op.mem.seg;
	return `const ea = ${g.ea(op.mem)}; const off = c.readSeg32(${seg}, ea) >>> 0; const sel = c.readSeg16(${seg}, (ea + 4) | 0);`;
}


const jmp: Template = (ins, g) => {
	const op = ins.operands[0];
	if (op.kind === 'far' || ins.codeName === 'Jmp_m1632' || ins.codeName === 'Jmp_m1616') {
		return `${farPointer(g, op)} ${g.syncCount()} ${g.withState('sys.farJump(c, sel, off);')}`;
	}
	return `c.eip = ${nearTarget(ins, g, op)};`;
};

const call: Template = (ins, g) => {
	const op = ins.operands[0];
	if (op.kind === 'far' || ins.codeName === 'Call_m1632' || ins.codeName === 'Call_m1616') {
		return `${farPointer(g, op)} ${g.syncCount()} ${g.withState(`sys.farCall(c, sel, off, ${ins.nextEip});`)}`;
	}
	// The target is evaluated before the push: CALL [ESP] uses the old ESP.
	return `const t = ${nearTarget(ins, g, op)}; ${g.push(ins.operandSize, String(ins.nextEip))} c.eip = t;`;
};

const ret: Template = (ins, g) => {
	const size = ins.operandSize;
	const imm = ins.operands[0];
	const release = imm?.kind === 'imm' ? imm.value : 0;
	return `${g.peekInto('t', size, 0)} ${g.adjustStack(size / 8 + release)} c.eip = t${size === 32 ? ' >>> 0' : ''};`;
};

function loop(condition: string): Template {
	return (ins, g) => {
		const op = ins.operands[0];
		const count = g.stringReg(Reg.ECX, ins.addressSize);
		return `${g.stringAdvance(Reg.ECX, ins.addressSize, '-1')} if (${count} !== 0${condition}) c.eip = ${nearTarget(ins, g, op)};`;
	};
}

const jcxz: Template = (ins, g) => {
	const count = g.reg(Reg.ECX, ins.mnemonic === 'jecxz' ? 32 : 16);
	return `if (${count} === 0) c.eip = ${nearTarget(ins, g, ins.operands[0])};`;
};

const softwareInterrupt = (vector: string, ins: DecodedInstruction): string =>
	`c.pendingExit = { kind: 'software-interrupt', vector: ${vector}, eip: ${ins.eip}, returnEip: ${ins.nextEip} };`;

export const controlFlow: Record<string, Template> = {
	jmp,
	call,
	ret,
	retf: (ins, g) => {
		const imm = ins.operands[0];
		return ins.operandSize === 16 ? g.raise(6) : `${g.syncCount()} ${g.withState(`sys.farReturn(c, ${imm?.kind === 'imm' ? imm.value : 0});`)}`;
	},
	// A return to a more privileged ring (a guest kernel's IRET at real ring 1) is raised without an unwind.
	iretd: (_ins, g) => `${g.syncCount()} ${g.withState('const inward = sys.iretInwardSelector(c);')} if (inward >= 0) ${g.raise(13, 'inward')} ${g.withState('sys.iret(c);')}`,
	// A 16-bit IRET frame is a real-mode/16-bit-kernel construct this CPU does not model.
	iret: (_ins, g) => g.raise(6),
	loop: loop(''),
	loope: loop(' && c.zf()'),
	loopne: loop(' && !c.zf()'),
	jecxz: jcxz,
	jcxz,
	int: (ins) => softwareInterrupt(String((ins.operands[0] as { value: number }).value & 0xff), ins),
	int3: (ins) => softwareInterrupt('3', ins),
	into: (ins) => `if (c.of()) { ${softwareInterrupt('4', ins)} }`,
	ud2: (_ins, g) => g.raise(6),
	...Object.fromEntries(CONDITIONS.map((name, n) => [`j${name}`, ((ins, g) => `if (${g.cond(n)}) c.eip = ${nearTarget(ins, g, ins.operands[0])};`) as Template])),
};
