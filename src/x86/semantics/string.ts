// MOVS STOS LODS CMPS SCAS with REP/REPE/REPNE. Each iteration updates
// ESI/EDI/ECX before the next, so a fault mid-string leaves the registers of
// the completed iterations and EIP on the instruction, as the hardware does.
// A long REP yields after REP_CHUNK iterations without retiring, so the run
// loop can check its budget and interrupts, then resumes the same instruction.
// REP MOVSD and STOSD go a run of RAM at a time where nothing can fault or
// needs noticing (Cpu.fillRun32, copyRun32), one element at a time elsewhere.

import { FlagOp } from '../lazy-flags';
import { Flag, Reg, Seg } from '../registers';
import type { DecodedInstruction, OperandSize } from '../decoded-instruction';
import { sourceSegment, type CodeGen, type Template } from './codegen';

export const REP_CHUNK = 4096;

function elementSize(ins: DecodedInstruction): OperandSize {
	const op = ins.operands.find((o) => o.kind === 'string');
	return op && op.kind === 'string' ? op.size : 8;
}

/**
 * Many elements at once: `run` an expression for how many it did (0: none, the next goes one by one),
 * `advance` what moves the registers past them (`k` holds the count).
 */
interface Runs {
	run: string;
	advance: string;
}

/**
 * Wraps one iteration `body` in the REP machinery. `until` is a condition
 * (evaluated after an iteration) that ends a REPE/REPNE early; `runs`, when
 * given, lets a REP go many elements at a time where it can.
 */

export function repeat(ins: DecodedInstruction, g: CodeGen, body: string, until?: string, runs?: Runs): string {
	const size = elementSize(ins);
	const step = `const d = (c.flagsBits & ${Flag.DF}) !== 0 ? ${-size / 8} : ${size / 8};`;
	if (!ins.rep && !ins.repne) return `${step} ${body}`;
	const count = g.stringReg(Reg.ECX, ins.addressSize);
	const stop = until === undefined ? '' : ` if (${ins.repne ? '' : '!'}(${until})) break;`;
	const many = runs === undefined ? '' : `if (d > 0) { const k = ${runs.run}; if (k > 0) { ${runs.advance} n += k; continue; } } `;
	return `${step} let n = 0; while (${count} !== 0) { if (n >= ${REP_CHUNK}) { ${g.exit(ins.eip)} } ${many}n++; ${body} ${g.stringAdvance(Reg.ECX, ins.addressSize, '-1')}${stop} }`;
}

function str(ins: DecodedInstruction, g: CodeGen): { si: string; di: string; src: Seg; size: OperandSize; next: (reg: Reg) => string } {
	return {
		si: g.stringReg(Reg.ESI, ins.addressSize),
		di: g.stringReg(Reg.EDI, ins.addressSize),
		src: sourceSegment(ins),
		size: elementSize(ins),
		next: (reg) => g.stringAdvance(reg, ins.addressSize, 'd'),
	};
}

/** A REP form the CPU can do a run of RAM at a time: dwords, 32-bit addresses (page-sized runs of memory copied or filled whole). */
const runsOfDwords = (ins: DecodedInstruction, s: { size: OperandSize }): boolean => ins.rep && s.size === 32 && ins.addressSize === 32;

/** `k` elements done at once: the index registers move by 4k, ECX down by k. */
function advanceBy(g: CodeGen, regs: Reg[]): string {
	return [...regs.map((r) => g.stringAdvance(r, 32, '4 * k')), g.stringAdvance(Reg.ECX, 32, '-k')].join(' ');
}

/** Elements left, as many as one REP chunk does. */
const chunk = (g: CodeGen): string => `Math.min(${g.stringReg(Reg.ECX, 32)} >>> 0, ${REP_CHUNK})`;

const movs: Template = (ins, g) => {
	const s = str(ins, g);
	const runs = runsOfDwords(ins, s) ? { run: `c.copyRun32(${s.src}, ${s.si}, ${s.di}, ${chunk(g)})`, advance: advanceBy(g, [Reg.ESI, Reg.EDI]) } : undefined;
	return repeat(ins, g, `${g.writeMem(Seg.ES, s.di, s.size, g.readMem(s.src, s.si, s.size))} ${s.next(Reg.ESI)} ${s.next(Reg.EDI)}`, undefined, runs);
};

const stos: Template = (ins, g) => {
	const s = str(ins, g);
	const runs = runsOfDwords(ins, s) ? { run: `c.fillRun32(${s.di}, ${chunk(g)}, ${g.reg(Reg.EAX, 32)})`, advance: advanceBy(g, [Reg.EDI]) } : undefined;
	return repeat(ins, g, `${g.writeMem(Seg.ES, s.di, s.size, g.reg(Reg.EAX, s.size))} ${s.next(Reg.EDI)}`, undefined, runs);
};

const lods: Template = (ins, g) => {
	const s = str(ins, g);
	return repeat(ins, g, `${g.setReg(Reg.EAX, s.size, g.readMem(s.src, s.si, s.size))} ${s.next(Reg.ESI)}`);
};

const cmps: Template = (ins, g) => {
	const s = str(ins, g);
	const body = `const x = ${g.readMem(s.src, s.si, s.size)}; const y = ${g.readMem(Seg.ES, s.di, s.size)}; const v = ${g.truncate('x - y', s.size)}; ${s.next(Reg.ESI)} ${s.next(Reg.EDI)} ${g.lazyFlags(FlagOp.Sub, s.size, 'x', 'y', 'v')}`;
	return repeat(ins, g, body, 'v === 0');
};

const scas: Template = (ins, g) => {
	const s = str(ins, g);
	const body = `const x = ${g.reg(Reg.EAX, s.size)}; const y = ${g.readMem(Seg.ES, s.di, s.size)}; const v = ${g.truncate('x - y', s.size)}; ${s.next(Reg.EDI)} ${g.lazyFlags(FlagOp.Sub, s.size, 'x', 'y', 'v')}`;
	return repeat(ins, g, body, 'v === 0');
};

/** The string mnemonics share names with SSE instructions (MOVSD, CMPSD): only the string forms have string operands. */
const stringOnly = (t: Template): Template => (ins, g) => (ins.operands.some((o) => o.kind === 'string') ? t(ins, g) : g.raise(6));

export const strings: Record<string, Template> = Object.fromEntries(
	([['movs', movs], ['stos', stos], ['lods', lods], ['cmps', cmps], ['scas', scas]] as const).flatMap(([name, t]) =>
		['b', 'w', 'd'].map((suffix) => [name + suffix, stringOnly(t)])),
);
