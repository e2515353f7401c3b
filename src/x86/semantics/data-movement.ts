// MOV MOVZX MOVSX LEA XCHG XADD CMPXCHG CMPXCHG8B CMOVcc XLAT CBW CWDE CWD CDQ
// NOP and the far-pointer loads. Moves involving segment, control or debug
// registers go to the system templates.

import { FlagOp } from '../lazy-flags';
import { Flag, Reg } from '../registers';
import { sourceSegment, type Template } from './codegen';
import { farPointerLoad, segmentMove } from './system';

const CONDITIONS = ['o', 'no', 'b', 'ae', 'e', 'ne', 'be', 'a', 's', 'ns', 'p', 'np', 'l', 'ge', 'le', 'g'];

const mov: Template = (ins, g) => {
	const [dst, src] = ins.operands;
	if (dst.kind === 'sreg' || src.kind === 'sreg' || dst.kind === 'cr' || src.kind === 'cr' || dst.kind === 'dr' || src.kind === 'dr') return segmentMove(ins, g);
	const size = g.size(dst);
	const d = g.access(dst, 'ea');
	return `${d.write(g.read(src, size))}`;
};

const extend = (signed: boolean): Template => (ins, g) => {
	const [dst, src] = ins.operands;
	const from = g.size(src);
	const value = signed ? g.signExtend(g.read(src), from) : g.read(src);
	return g.access(dst, 'ea').write(value);
};

const xchg: Template = (ins, g) => {
	const [a, b] = ins.operands;
	// The memory operand (if any) is written first, so a fault changes no register.
	const [m, reg] = b.kind === 'mem' ? [b, a] : [a, b];
	const dm = g.access(m, 'ea');
	const dr = g.access(reg, 'eb');
	return `const x = ${dm.read}; const y = ${dr.read}; ${dm.write('y')} ${dr.write('x')}`;
};

const xadd: Template = (ins, g) => {
	const [dst, src] = ins.operands;
	const size = g.size(dst);
	const d = g.access(dst, 'ea');
	const s = g.access(src, 'eb');
	// A memory destination is written first so a fault changes no register; a register destination is
	// written last, so XADD r, r with one register leaves the sum in it (the SDM's TEMP/SRC/DEST order).
	const writes = dst.kind === 'mem' ? `${d.write('v')} ${s.write('x')}` : `${s.write('x')} ${d.write('v')}`;
	return `const x = ${d.read}; const y = ${s.read}; const v = ${g.truncate('x + y', size)}; ${writes} ${g.lazyFlags(FlagOp.Add, size, 'x', 'y', 'v')}`;
};

const cmpxchg: Template = (ins, g) => {
	const [dst, src] = ins.operands;
	const size = g.size(dst);
	const d = g.access(dst, 'ea');
	const acc = g.reg(Reg.EAX, size);
	// The destination is always written (with its old value on a mismatch), as the locked hardware cycle does.
	return `const x = ${d.read}; const a = ${acc}; const v = ${g.truncate('a - x', size)}; if (v === 0) { ${d.write(g.read(src, size))} } else { ${d.write('x')} ${g.setReg(Reg.EAX, size, 'x')} } ${g.lazyFlags(FlagOp.Sub, size, 'a', 'x', 'v')}`;
};

const cmpxchg8b: Template = (ins, g) => {
	const m = ins.operands[0];
	if (m.kind !== 'mem') return g.raise(6);
	const seg = m.mem.seg;
	return `const ea = ${g.ea(m.mem)}; const lo = c.readSeg32(${seg}, ea); const hi = c.readSeg32(${seg}, (ea + 4) | 0);
		if (lo === ${g.reg(Reg.EAX, 32)} && hi === ${g.reg(Reg.EDX, 32)}) { c.writeSeg64(${seg}, ea, ${g.reg(Reg.EBX, 32)}, ${g.reg(Reg.ECX, 32)}); c.setFlag(${Flag.ZF}, true); }
		else { c.writeSeg64(${seg}, ea, lo, hi); ${g.setReg(Reg.EAX, 32, 'lo')} ${g.setReg(Reg.EDX, 32, 'hi')} c.setFlag(${Flag.ZF}, false); }`;
};

const cmov = (n: number): Template => (ins, g) => {
	const [dst, src] = ins.operands;
	const size = g.size(dst);
	// The source is read (and may fault) whatever the condition.
	return `const v = ${g.read(src, size)}; if (${g.cond(n)}) { ${g.access(dst, 'ea').write('v')} }`;
};

export const dataMovement: Record<string, Template> = {
	mov,
	movzx: extend(false),
	movsx: extend(true),
	lea: (ins, g) => {
		const [dst, src] = ins.operands;
		if (src.kind !== 'mem') return g.raise(6);
		return g.access(dst, 'ea').write(g.ea(src.mem));
	},
	xchg,
	xadd,
	cmpxchg,
	cmpxchg8b,
	xlatb: (ins, g) => `${g.setReg(Reg.EAX, 8, g.readMem(sourceSegment(ins), `((${g.stringReg(Reg.EBX, ins.addressSize)} + ${g.reg(Reg.EAX, 8)}) ${ins.addressSize === 32 ? '| 0' : '& 65535'})`, 8))}`,
	cbw: (_ins, g) => g.setReg(Reg.EAX, 16, g.signExtend(g.reg(Reg.EAX, 8), 8)),
	cwde: (_ins, g) => g.setReg(Reg.EAX, 32, g.signExtend(g.reg(Reg.EAX, 16), 16)),
	cwd: (_ins, g) => g.setReg(Reg.EDX, 16, `${g.signExtend(g.reg(Reg.EAX, 16), 16)} >> 16`),
	cdq: (_ins, g) => g.setReg(Reg.EDX, 32, `${g.reg(Reg.EAX, 32)} >> 31`),
	nop: () => '',
	pause: () => '',
	lds: farPointerLoad,
	les: farPointerLoad,
	lfs: farPointerLoad,
	lgs: farPointerLoad,
	lss: farPointerLoad,
	...Object.fromEntries(CONDITIONS.map((name, n) => [`cmov${name}`, cmov(n)])),
};
