// SHL SAL SHR SAR ROL ROR RCL RCR SHLD SHRD. A masked count of 0 changes
// nothing, flags included; the value is stored before the flags are set so a
// faulting store leaves them untouched.

import type { Template } from './codegen';

/** A 32-bit shift by a constant count, as one JavaScript operator. */
const CONSTANT_SHIFT = { shl: (x: string, n: number) => `(${x} << ${n})`, shr: (x: string, n: number) => `((${x} >>> ${n}) | 0)`, sar: (x: string, n: number) => `(${x} >> ${n})` };

function shift(name: 'shl' | 'shr' | 'sar'): Template {
	return (ins, g) => {
		const [dst, count] = ins.operands;
		const size = g.size(dst);
		const d = g.access(dst, 'ea');
		if (size === 32 && count.kind === 'imm' && (count.value & 31) !== 0) {
			const n = count.value & 31;
			return `const x = ${d.read}; const v = ${CONSTANT_SHIFT[name]('x', n)}; ${d.write('v')} ${g.flagWork(`alu.${name}Flags(c, x, ${n}, 32, v);`)}`;
		}
		return `const n = ${g.read(count, 8)} & 31; if (n !== 0) { const x = ${d.read}; const v = alu.${name}(x, n, ${size}); ${d.write('v')} ${g.flagWork(`alu.${name}Flags(c, x, n, ${size}, v);`)} }`;
	};
}

function rotate(name: 'rol' | 'ror'): Template {
	return (ins, g) => {
		const [dst, count] = ins.operands;
		const size = g.size(dst);
		const d = g.access(dst, 'ea');
		return `const n = ${g.read(count, 8)} & 31; if (n !== 0) { const v = alu.${name}(${d.read}, n, ${size}); ${d.write('v')} alu.${name}Flags(c, v, ${size}); }`;
	};
}

function rotateCarry(name: 'rcl' | 'rcr'): Template {
	return (ins, g) => {
		const [dst, count] = ins.operands;
		const size = g.size(dst);
		const d = g.access(dst, 'ea');
		const flags = name === 'rcl' ? `alu.rclFlags(c, v, ${size});` : `alu.rcrFlags(c, x, cin, ${size});`;
		return `const n = alu.rcCount(${g.read(count, 8)}, ${size}); if (n !== 0) { const x = ${d.read}; const cin = c.cf(); const v = alu.${name}(x, n, ${size}, cin); ${d.write('v')} ${flags} }`;
	};
}

function doubleShift(name: 'shld' | 'shrd'): Template {
	return (ins, g) => {
		const [dst, src, count] = ins.operands;
		const size = g.size(dst);
		const d = g.access(dst, 'ea');
		return `const n = ${g.read(count, 8)} & 31; if (n !== 0) { const x = ${d.read}; const v = alu.${name}(x, ${g.read(src, size)}, n, ${size}); ${d.write('v')} alu.${name}Flags(c, x, n, ${size}, v); }`;
	};
}

export const shifts: Record<string, Template> = {
	shl: shift('shl'),
	sal: shift('shl'),
	shr: shift('shr'),
	sar: shift('sar'),
	rol: rotate('rol'),
	ror: rotate('ror'),
	rcl: rotateCarry('rcl'),
	rcr: rotateCarry('rcr'),
	shld: doubleShift('shld'),
	shrd: doubleShift('shrd'),
};
