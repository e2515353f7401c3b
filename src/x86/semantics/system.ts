// System instructions. The checks and effects belong to src/x86/system (the
// contract functions, reached as `sys` in generated code); these templates
// only evaluate operands, pass linear addresses, and store results.

import { Flag, Seg } from '../registers';
import type { DecodedInstruction, Operand } from '../decoded-instruction';
import type { CodeGen, Template } from './codegen';

const SEGMENT_OF: Record<string, Seg> = { lds: Seg.DS, les: Seg.ES, lfs: Seg.FS, lgs: Seg.GS, lss: Seg.SS };

/** Linear address of a memory operand of `size` bytes, after the segment checks. */
function linearOf(g: CodeGen, op: Operand, size: number, write: boolean): string {
	if (op.kind !== 'mem') throw new Error('memory operand expected');
	return `c.segLinear(${op.mem.seg}, ${g.ea(op.mem)}, ${size}, ${write})`;
}

/** A 16-bit selector-like source: register low word or a word in memory. */
const selectorOf = (g: CodeGen, op: Operand): string => g.read(op, 16);

/** Store a 16-bit system value: a word to memory, zero-extended into a register. */
function storeSystemWord(g: CodeGen, op: Operand, value: string): string {
	if (op.kind === 'mem') return g.writeMem(op.mem.seg, g.ea(op.mem), 16, value);
	return g.access(op, 'ea').write(value);
}

/** MOV to/from segment, control and debug registers. */
export function segmentMove(ins: DecodedInstruction, g: CodeGen): string {
	const [dst, src] = ins.operands;
	if (dst.kind === 'sreg') {
		if (dst.seg === Seg.CS) return g.raise(6);
		return `const v = ${selectorOf(g, src)}; ${g.syncCount()} ${g.withState(`sys.loadSegment(c, ${dst.seg}, v);`)}`;
	}
	if (src.kind === 'sreg') return storeSystemWord(g, dst, `c.seg[${src.seg}].selector`);
	if (dst.kind === 'cr' && src.kind === 'reg') return `${ring0(g)} ${g.syncCount()} const v = ${g.reg(src.reg, 32)} >>> 0; ${g.withState(`sys.movToCr(c, ${dst.n}, v);`)}`;
	if (src.kind === 'cr' && dst.kind === 'reg') return `${ring0(g)} ${g.syncCount()} ${g.withState(`const v = sys.movFromCr(c, ${src.n});`)} ${g.setReg(dst.reg, 32, 'v')}`;
	if (dst.kind === 'dr' && src.kind === 'reg') return `${ring0(g)} ${g.syncCount()} const v = ${g.reg(src.reg, 32)} >>> 0; ${g.withState(`sys.movToDr(c, ${dst.n}, v);`)}`;
	if (src.kind === 'dr' && dst.kind === 'reg') return `${ring0(g)} ${g.syncCount()} ${g.withState(`const v = sys.movFromDr(c, ${src.n});`)} ${g.setReg(dst.reg, 32, 'v')}`;
	return g.raise(6);
}

/** LDS LES LFS LGS LSS r32, m16:32: the segment load (which may fault) happens before the register changes. */
export const farPointerLoad: Template = (ins, g) => {
	const [dst, src] = ins.operands;
	if (src.kind !== 'mem' || dst.kind !== 'reg') return g.raise(6);
	const size = dst.size === 16 ? 16 : 32;
	const seg = src.mem.seg;
	return `const ea = ${g.ea(src.mem)}; const off = c.readSeg${size}(${seg}, ea); const sel = c.readSeg16(${seg}, (ea + ${size / 8}) | 0); ${g.syncCount()} ${g.withState(`sys.loadSegment(c, ${SEGMENT_OF[ins.mnemonic]}, sel);`)} ${g.setReg(dst.reg, size, 'off')}`;
};

const table = (name: 'lgdt' | 'lidt' | 'sgdt' | 'sidt', write: boolean): Template => (ins, g) =>
	`${g.syncCount()} const a = ${linearOf(g, ins.operands[0], 6, write)}; ${g.withState(`sys.${name}(c, a);`)}`;

const selectorLoad = (name: 'lldt' | 'ltr'): Template => (ins, g) => `const v = ${selectorOf(g, ins.operands[0])}; ${g.syncCount()} ${g.withState(`sys.${name}(c, v);`)}`;

const selectorStore = (name: 'sldt' | 'str' | 'smsw'): Template => (ins, g) => `${g.withState(`const v = sys.${name}(c) & 65535;`)} ${storeSystemWord(g, ins.operands[0], 'v')}`;

const access = (name: 'lar' | 'lsl'): Template => (ins, g) => {
	const [dst, src] = ins.operands;
	const size = g.size(dst);
	const value = size === 16 ? 'v & 65535' : 'v';
	return `const s = ${selectorOf(g, src)}; ${g.withState(`const v = sys.${name}(c, s);`)} if (v === undefined) { c.setFlag(${Flag.ZF}, false); } else { ${g.access(dst, 'ea').write(value)} c.setFlag(${Flag.ZF}, true); }`;
};

const verify = (name: 'verr' | 'verw'): Template => (ins, g) => `const s = ${selectorOf(g, ins.operands[0])}; ${g.withState(`const ok = sys.${name}(c, s);`)} c.setFlag(${Flag.ZF}, ok);`;

/**
 * The CPL check of a privileged instruction, raised by the template itself: at
 * ring 1 under a monitor that is the trap, and it costs no unwind. (The system
 * functions check again; they are also called from outside compiled code.)
 */
const ring0 = (g: CodeGen): string => `if (c.cpl !== 0) ${g.raise(13, 0)}`;

const privilegedNop: Template = (_ins, g) => ring0(g);

/** Calls a contract function that reads and writes the registers itself (CPUID, RDTSC, RDMSR, WRMSR). */
const registerCall = (name: string): Template => (_ins, g) => `${g.syncCount()} ${g.withState(`sys.${name}(c);`)}`;

export const system: Record<string, Template> = {
	lgdt: table('lgdt', false),
	lidt: table('lidt', false),
	sgdt: table('sgdt', true),
	sidt: table('sidt', true),
	lldt: selectorLoad('lldt'),
	ltr: selectorLoad('ltr'),
	sldt: selectorStore('sldt'),
	str: selectorStore('str'),
	smsw: selectorStore('smsw'),
	lmsw: (ins, g) => `const v = ${g.read(ins.operands[0], 16)}; ${g.syncCount()} ${g.withState('sys.lmsw(c, v);')}`,
	clts: (_ins, g) => `${ring0(g)} ${g.syncCount()} ${g.withState('sys.clts(c);')}`,
	invlpg: (ins, g) => {
		const op = ins.operands[0];
		if (op.kind !== 'mem') return g.raise(6);
		// INVLPG takes the linear address without a limit check: it never touches the memory.
		return `${ring0(g)} ${g.syncCount()} const a = (c.seg[${op.mem.seg}].base + ${g.ea(op.mem)}) >>> 0; ${g.withState('sys.invlpgAt(c, a);')}`;
	},
	invd: privilegedNop,
	wbinvd: privilegedNop,
	hlt: (_ins, g) => `${ring0(g)} c.halted = true; c.pendingExit = { kind: 'halt' };`,
	cli: (_ins, g) => `if (!sys.ioplAllows(c)) ${g.raise(13, 0)} ${g.syncCount()} ${g.withState('sys.cli(c);')}`,
	sti: (_ins, g) => `if (!sys.ioplAllows(c)) ${g.raise(13, 0)} ${g.syncCount()} const was = c.systemFlags(); ${g.withState('sys.sti(c);')} if (!(was & ${Flag.IF})) c.interruptsHeldUntil = ic + ${g.index + 2};`,
	cpuid: registerCall('cpuid'),
	rdtsc: registerCall('rdtsc'),
	rdmsr: registerCall('rdmsr'),
	wrmsr: registerCall('wrmsr'),
	lar: access('lar'),
	lsl: access('lsl'),
	verr: verify('verr'),
	verw: verify('verw'),
};

