// PUSHF(D) POPF(D) CLC STC CMC CLD STD LAHF SAHF SETcc. POPF's privilege rules
// (IOPL changes only at CPL 0, IF only when CPL <= IOPL, silently) live in
// Cpu.popFlags: that silence is one of the holes a monitor must deal with.

import { Flag } from '../registers';
import type { Template } from './codegen';

const CONDITIONS = ['o', 'no', 'b', 'ae', 'e', 'ne', 'be', 'a', 's', 'ns', 'p', 'np', 'l', 'ge', 'le', 'g'];
const LAHF_BITS = Flag.SF | Flag.ZF | Flag.AF | Flag.PF | Flag.CF;

const pushf: Template = (ins, g) =>
	// VM and RF read as 0 in the pushed image.
	ins.operandSize === 16 ? g.push(16, 'c.getEflags() & 65535') : g.push(32, `c.getEflags() & ${~(Flag.VM | Flag.RF)}`);

const popf: Template = (ins, g) =>
	`const v = ${g.peek(ins.operandSize, 0)}; c.popFlags(v, ${ins.operandSize}); ${g.adjustStack(ins.operandSize / 8)}`;

const setcc = (n: number): Template => (ins, g) => {
	const d = g.access(ins.operands[0], 'ea');
	return `${d.write(`${g.cond(n)} ? 1 : 0`)}`;
};

export const flags: Record<string, Template> = {
	pushfd: pushf,
	pushf,
	popfd: popf,
	popf,
	clc: () => `c.setFlag(${Flag.CF}, false);`,
	stc: () => `c.setFlag(${Flag.CF}, true);`,
	cmc: () => `c.setFlag(${Flag.CF}, c.cf() === 0);`,
	cld: () => `c.flagsBits &= ${~Flag.DF};`,
	std: () => `c.flagsBits |= ${Flag.DF};`,
	lahf: (_ins, g) => g.setReg(4, 8, `(c.getEflags() & ${LAHF_BITS}) | 2`),
	sahf: (_ins, g) => `c.materializeFlags(); c.flagsBits = (c.flagsBits & ${~LAHF_BITS}) | (${g.reg(4, 8)} & ${LAHF_BITS});`,
	...Object.fromEntries(CONDITIONS.map((name, n) => [`set${name}`, setcc(n)])),
};

