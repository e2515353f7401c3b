// DAA DAS AAA AAS AAM AAD: decimal adjustment of AL/AX, after the SDM's
// pseudo-code. Where the SDM leaves flags undefined, these do what QEMU does,
// so the differential tests against it hold: OF = 0 after DAA/DAS/AAM/AAD.

import { Flag, Reg } from '../registers';
import type { CodeGen, Template } from './codegen';

const readAl = (g: CodeGen): string => `const al = ${g.reg(Reg.EAX, 8)};`;
const setAl = (g: CodeGen, value: string): string => g.setReg(Reg.EAX, 8, value);

const decimalAdjust = (sign: '+' | '-'): Template => (_ins, g) => `${readAl(g)}
	const cf = c.cf() !== 0; let v = al; let carry = false; const lowAdjust = (al & 15) > 9 || c.af();
	if (lowAdjust) { carry = cf || ${sign === '+' ? 'al + 6 > 255' : 'al < 6'}; v = (v ${sign} 6) & 255; }
	if (al > 0x99 || cf) { v = (v ${sign} 0x60) & 255; carry = true; }
	${setAl(g, 'v')} c.setResultFlags(v, 8, carry, false, lowAdjust);`;

// AAA/AAS leave SF, ZF, PF and OF as they were, as QEMU (the reference machine) does.
const asciiAdjust = (sign: '+' | '-'): Template => (_ins, g) => `${readAl(g)}
	let ah = ${g.reg(4, 8)}; let low = al & 15; const adjust = low > 9 || c.af();
	if (adjust) { ${sign === '+' ? 'low = (al + 6) & 15; ah = (ah + 1 + (al > 0xf9 ? 1 : 0)) & 255;' : 'low = (al - 6) & 15; ah = (ah - 1 - (al < 6 ? 1 : 0)) & 255;'} }
	${g.setReg(Reg.EAX, 16, '(ah << 8) | low')}
	c.materializeFlags(); c.flagsBits = (c.flagsBits & ${~(Flag.CF | Flag.AF)}) | (adjust ? ${Flag.CF | Flag.AF} : 0);`;

const aam: Template = (ins, g) => {
	const base = ins.operands[0]?.kind === 'imm' ? ins.operands[0].value & 255 : 10;
	if (base === 0) return g.raise(0);
	return `${readAl(g)} const q = Math.floor(al / ${base}), m = al % ${base};
	${g.setReg(Reg.EAX, 16, '(q << 8) | m')} c.setResultFlags(m, 8, false, false, false);`;
};

const aad: Template = (ins, g) => {
	const base = ins.operands[0]?.kind === 'imm' ? ins.operands[0].value & 255 : 10;
	return `const v = (${g.reg(Reg.EAX, 8)} + ${g.reg(4, 8)} * ${base}) & 255;
	${g.setReg(Reg.EAX, 16, 'v')} c.setResultFlags(v, 8, false, false, false);`;
};

export const bcd: Record<string, Template> = {
	daa: decimalAdjust('+'),
	das: decimalAdjust('-'),
	aaa: asciiAdjust('+'),
	aas: asciiAdjust('-'),
	aam,
	aad,
};
