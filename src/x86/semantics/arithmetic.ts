// ADD ADC SUB SBB CMP INC DEC NEG: results with lazily recorded flags.

import { FlagOp, flagKind } from '../lazy-flags';
import type { Template } from './codegen';

function binary(op: FlagOp.Add | FlagOp.Adc | FlagOp.Sub | FlagOp.Sbb, store: boolean): Template {
	return (ins, g) => {
		const [dst, src] = ins.operands;
		const size = g.size(dst);
		const d = g.access(dst, 'ea');
		const sign = op === FlagOp.Add || op === FlagOp.Adc ? '+' : '-';
		const carry = op === FlagOp.Adc || op === FlagOp.Sbb;
		const value = g.truncate(carry ? `x ${sign} y ${sign} cin` : `x ${sign} y`, size);
		const kind = carry
			? g.flagWork(`c.lk = cin ? ${flagKind(op, size)} : ${flagKind(op === FlagOp.Adc ? FlagOp.Add : FlagOp.Sub, size)}; c.la = x; c.lb = y; c.lr = v;`)
			: g.lazyFlags(op, size, 'x', 'y', 'v');
		return `const x = ${d.read}; const y = ${g.read(src, size)};${carry ? ' const cin = c.cf();' : ''} const v = ${value}; ${store ? d.write('v') : ''} ${kind}`;
	};
}

function step(op: FlagOp.Inc | FlagOp.Dec): Template {
	return (ins, g) => {
		const size = g.size(ins.operands[0]);
		const d = g.access(ins.operands[0], 'ea');
		const value = g.truncate(op === FlagOp.Inc ? 'x + 1' : 'x - 1', size);
		return `const x = ${d.read}; const v = ${value}; ${d.write('v')} ${g.flagWork('c.keepCarry();')} ${g.lazyFlags(op, size, 'x', '1', 'v')}`;
	};
}

export const arithmetic: Record<string, Template> = {
	add: binary(FlagOp.Add, true),
	adc: binary(FlagOp.Adc, true),
	sub: binary(FlagOp.Sub, true),
	sbb: binary(FlagOp.Sbb, true),
	cmp: binary(FlagOp.Sub, false),
	inc: step(FlagOp.Inc),
	dec: step(FlagOp.Dec),
	neg: (ins, g) => {
		const size = g.size(ins.operands[0]);
		const d = g.access(ins.operands[0], 'ea');
		return `const y = ${d.read}; const v = ${g.truncate('0 - y', size)}; ${d.write('v')} ${g.lazyFlags(FlagOp.Sub, size, '0', 'y', 'v')}`;
	},
};
