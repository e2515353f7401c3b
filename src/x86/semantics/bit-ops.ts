// BT BTS BTR BTC BSF BSR BSWAP. Flags the manual leaves undefined (OF SF AF PF
// for BTx; everything but ZF for BSF/BSR) keep their previous values here.

import type { Template } from './codegen';
import { Flag } from '../registers';

function bitTest(update: '' | '|' | '&~' | '^'): Template {
	return (ins, g) => {
		const [dst, bit] = ins.operands;
		const size = g.size(dst);
		const apply = (v: string): string => (update === '&~' ? `${v} & ~(1 << b)` : `${v} ${update} (1 << b)`);
		if (dst.kind === 'mem' && bit.kind === 'reg') {
			// A register bit offset addresses a bit string: it may reach outside the operand in either direction.
			const bytes = size / 8;
			const base = g.ea(dst.mem);
			const seg = dst.mem.seg;
			const offset = size === 32 ? g.read(bit) : g.signExtend(g.read(bit), 16);
			const stmt = update === '' ? '' : g.writeMem(seg, 'ea', size, apply('x'));
			return `const o = ${offset}; const ea = (${base} + (o >> ${size === 32 ? 5 : 4}) * ${bytes}) | 0; const b = o & ${size - 1}; const x = ${g.readMem(seg, 'ea', size)}; ${stmt} ${g.flagWork(`c.setFlag(${Flag.CF}, ((x >>> b) & 1) !== 0);`)}`;
		}
		const d = g.access(dst, 'ea');
		return `const b = ${g.read(bit, size)} & ${size - 1}; const x = ${d.read}; ${update === '' ? '' : d.write(apply('x'))} ${g.flagWork(`c.setFlag(${Flag.CF}, ((x >>> b) & 1) !== 0);`)}`;
	};
}

function bitScan(name: 'bsf' | 'bsr'): Template {
	return (ins, g) => {
		const [dst, src] = ins.operands;
		const size = g.size(dst);
		// A zero source leaves the destination unchanged, as Intel and AMD parts do.
		return `const x = ${g.read(src, size)}; if (x === 0) { c.setFlag(${Flag.ZF}, true); } else { ${g.setReg((dst as { reg: number }).reg, size, `alu.${name}(x)`)} c.setFlag(${Flag.ZF}, false); }`;
	};
}

export const bitOps: Record<string, Template> = {
	bt: bitTest(''),
	bts: bitTest('|'),
	btr: bitTest('&~'),
	btc: bitTest('^'),
	bsf: bitScan('bsf'),
	bsr: bitScan('bsr'),
	bswap: (ins, g) => {
		const dst = ins.operands[0];
		return dst.kind === 'reg' && dst.size === 32 ? g.setReg(dst.reg, 32, `alu.bswap(${g.reg(dst.reg, 32)})`) : g.raise(6);
	},
};
