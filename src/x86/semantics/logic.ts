// AND OR XOR TEST NOT. The logic flag kind gives CF = OF = 0 and AF = 0.

import { FlagOp } from '../lazy-flags';
import type { Template } from './codegen';

function logical(operator: '&' | '|' | '^', store: boolean): Template {
	return (ins, g) => {
		const [dst, src] = ins.operands;
		const size = g.size(dst);
		const d = g.access(dst, 'ea');
		const value = g.truncate(`${d.read} ${operator} ${g.read(src, size)}`, size);
		return `const v = ${value}; ${store ? d.write('v') : ''} ${g.lazyFlags(FlagOp.Logic, size, '0', '0', 'v')}`;
	};
}

export const logic: Record<string, Template> = {
	and: logical('&', true),
	or: logical('|', true),
	xor: logical('^', true),
	test: logical('&', false),
	not: (ins, g) => {
		const size = g.size(ins.operands[0]);
		const d = g.access(ins.operands[0], 'ea');
		return `${d.write(g.truncate(`~${d.read}`, size))}`;
	},
};
