// Turns decoded blocks into ONE JavaScript function with `new Function`: a
// region. The general registers its code names live in `let` locals (R0..R7)
// for the whole region and go back to `c.regs` on every way out (exit,
// exception, calls that look at the register file). The blocks sit in a
// `for (;;) switch (c.eip)` dispatch, so a loop whose blocks are all in the
// region never leaves the function. Each instruction's template is inlined; a
// local `k` names the instruction being executed so a CpuException leaves
// precise state: EIP of the faulting instruction, registers before it, and an
// instruction count covering only the ones that retired.

import * as alu from './alu';
import { CpuException } from './exceptions';
import * as sys from './system';
import { deadFlagWork, knownFlagsBefore } from './flag-liveness';
import { nativeCode, nativeInstruction } from './semantics';
import { FLUSH_LOCALS, LOAD_LOCALS, type KnownFlags } from './semantics/codegen';
import type { DecodedBlock, DecodedInstruction } from './decoded-instruction';
import type { Cpu } from './cpu';
import { Flag, Seg } from './registers';

/**
 * Runs the region from `c.eip` (which must start one of its blocks) until
 * control leaves it, a block would take `c.instructionCount` past `end`, a
 * stop address is reached (other than on the first block entered), or an
 * instruction asks for an exit. A CpuException raised inside (state precise at
 * the faulting instruction) is offered to `c.deliverInRun`; one it delivers
 * counts against `end` and execution goes on at the handler if it is one of the
 * region's blocks. Any other is left in `c.fault`, not thrown.
 */
export type RegionFunction = (cpu: Cpu, end: number) => void;

export interface ExternalOptions {
	/**
	 * The closure neither reads nor writes the CPU's general registers, EIP, flags or instruction
	 * count, and never asks for an exit (a counter, a notification). When every closure of an
	 * instruction says so, the instruction keeps the registers in locals: no write-back before it
	 * and no reload after, as fast as native code. Such emitted code must not name `r` (the
	 * register file) itself. When it also runs the instruction's own native code exactly once, the
	 * compiler sees through it: flag analysis, the region's dispatch and its exits treat it as native.
	 */
	registerFree?: boolean;
}

export interface EmitContext {
	/** The native template's code for an instruction (to wrap it). */
	native(ins: DecodedInstruction): string;
	/** Registers a closure callable from the generated code; returns the expression naming it. */
	external(fn: (...args: never[]) => unknown, options?: ExternalOptions): string;
	/**
	 * Counts the executions of the instruction's block in a local of the region, one increment
	 * each (a call per execution would cost the block most of its speed). `flush` receives the
	 * executions counted since its last call before any emitted code that may look at the
	 * machine runs (so what it reports comes first) and whenever the region function returns.
	 * It must keep the promises of a `registerFree` closure.
	 */
	countBlock(flush: (executions: number) => void): void;
}

/** Replaces an instruction's code; null keeps the native semantics. */
export type InstructionEmitter = (ins: DecodedInstruction, index: number, ctx: EmitContext) => string | null;

export interface RegionOptions {
	emitter?: InstructionEmitter;
	/** Linear stop addresses the blocks were decoded against (blocks end before them). */
	stops: ReadonlySet<number>;
	/** The CPL the region runs at (regions are compiled for one CPL). */
	cpl: number;
	/** The CS base its blocks were decoded under (the dispatch is on EIP). */
	csBase: number;
}

// Plain objects with data properties: a module namespace may expose its exports through getters,
// which optimised code would call on every use.
const ALU = { ...alu };
const SYS = { ...sys };

/** Instructions that may store to memory: after them a block checks whether it overwrote its own code. */
function mayStore(ins: DecodedInstruction): boolean {
	if (ins.operands.some((o) => o.kind === 'mem' || o.kind === 'string')) return true;
	return /^(push|call|enter)/.test(ins.mnemonic);
}

/** Control transfers after which the dispatch may go on inside the region (near, same CS and CPL). */
const STAYS = new Set(['Next', 'ConditionalBranch', 'UnconditionalBranch', 'IndirectBranch', 'Call', 'IndirectCall', 'Return']);
/** Block enders that change what may happen next without calling out (IF, HLT). */
const LEAVES = new Set(['hlt', 'popf', 'popfd']);

/** After this instruction ends a block, execution may go on in the same region (unless its code calls out). */
export function continuesRegion(last: DecodedInstruction): boolean {
	return STAYS.has(last.flowControl) && !LEAVES.has(last.mnemonic) && !last.invalid;
}

/** Where emitted code that may look at the machine needs the block counters handed over first. */
const HAND_OVER_COUNTS = '/*hand-over-counts*/';

interface Tables {
	eips: number[];
	indices: number[];
	emitted: boolean[];
	externals: unknown[];
	/** Block execution counters: local E<n> of the region is handed to counters[n]. */
	counters: ((executions: number) => void)[];
	/** The region runs at CPL 3. */
	user: boolean;
	/**
	 * True while execution may go on at `c.eip` in this region after a callout or a delivery moved it:
	 * the same CPL, CS base and mappings its code was compiled under, and no single step pending.
	 */
	stillHere: string;
}

function compileBlockCase(block: DecodedBlock, emitter: InstructionEmitter | undefined, stops: ReadonlySet<number>, t: Tables): string {
	let touchesState = false;
	const list = block.instructions;
	// Native code asked for by an emitter is a placeholder until we know whether the instruction's
	// closures look at the registers: then it works on the register file, else on the locals.
	const wrapped: DecodedInstruction[][] = list.map(() => []);
	// Emitted code works on the register file unless its closures all say they leave registers alone.
	const touching = list.map(() => false);
	const externalCount = list.map(() => 0);
	const counters: number[] = [];
	const emitted: (string | null)[] = list.map((ins, i) => {
		const ctx: EmitContext = {
			native: (other) => {
				wrapped[i].push(other);
				return `/*native:${wrapped[i].length - 1}*/`;
			},
			external: (fn, options) => {
				externalCount[i]++;
				if (options?.registerFree !== true) touching[i] = true;
				t.externals.push(fn);
				return `X${t.externals.length - 1}`;
			},
			countBlock: (flush) => {
				counters.push(t.counters.length);
				t.counters.push(flush);
			},
		};
		const code = emitter?.(ins, i, ctx) ?? null;
		if (externalCount[i] === 0) touching[i] = true;
		return code;
	});
	// Register-free calls around the instruction's own semantics: native code with a call beside it.
	const transparentEmit = list.map((ins, i) => emitted[i] !== null && !touching[i] && wrapped[i].length === 1 && wrapped[i][0] === ins);
	const opaque = emitted.map((e, i) => e !== null && !transparentEmit[i]);
	const dead = deadFlagWork(list, opaque);
	const knownAt = (i: number): KnownFlags | undefined => (list[i].condition >= 0 ? knownFlagsBefore(list, opaque, i) : undefined);
	const resolve = (code: string, i: number): string =>
		code.replace(/\/\*native:(\d+)\*\//g, (_m, n: string) => {
			const other = wrapped[i][Number(n)];
			if (touching[i]) return nativeCode(other, i, t.user);
			const options = transparentEmit[i] ? { locals: true, flagsDead: dead[i], known: knownAt(i), user: t.user } : { locals: true, flagsDead: false, user: t.user };
			const native = nativeInstruction(other, i, options);
			touchesState ||= native.touchesState;
			return native.code;
		});
	const parts: string[] = [];

	let anyStore = false;
	let anyEmitted = false;
	list.forEach((ins, i) => {
		const last = i === list.length - 1;
		const k = t.eips.length;
		t.eips.push(ins.eip);
		t.indices.push(i);
		t.emitted.push(opaque[i] && touching[i]);
		parts.push(`k = ${k};`);
		const code = emitted[i];
		if (code !== null && transparentEmit[i]) {
			if (last) parts.push(`c.eip = ${ins.nextEip};`);
			parts.push(`{ ${resolve(code, i)} }`);
		} else if (code !== null) {
			// Emitted code sees EIP already past the instruction and, when its closures may look, the register
			// file current; it may change either, or ask to stop.
			anyEmitted ||= touching[i];
			const body = `c.eip = ${ins.nextEip}; c.instructionCount = ic + ${i}; { ${resolve(code, i)} }`;
			parts.push(touching[i] ? `${HAND_OVER_COUNTS} ${FLUSH_LOCALS} ${body} ${LOAD_LOCALS}` : body);
			parts.push(`if (c.exitRequest !== null) { if (c.exitRequest.beforeInstruction) { c.eip = ${ins.eip}; ic += ${i}; } else { ic += ${i + 1}; } break; }`);
			if (!last) parts.push(`if (c.eip !== ${ins.nextEip}) { ic += ${i + 1}; break; }`);
		} else {
			const native = nativeInstruction(ins, i, { locals: true, flagsDead: dead[i], known: knownAt(i), user: t.user });
			touchesState ||= native.touchesState;
			// Control transfers end blocks, so only the last instruction's template may overwrite EIP.
			if (last) parts.push(`c.eip = ${ins.nextEip};`);
			parts.push(`{ ${native.code} }`);
		}
		if (mayStore(ins)) {
			anyStore = true;
			if (!last) parts.push(`if (c.codeModified) { c.eip = ${ins.nextEip}; ic += ${i + 1}; break; }`);
		}
	});
	const lastIns = list[list.length - 1];
	// A block ending in a callout (CLI, IN, MOV CR3, IRET, INT n ...) goes on at the EIP it left, in this region
	// if a block of it starts there, as long as the callout changed no mapping the region's code came through, nor
	// the CPL or CS base it was compiled for: a fault handler's IRET back into its loop stays in compiled code.
	const calloutLast = opaque[list.length - 1] && touching[list.length - 1] && !LEAVES.has(lastIns.mnemonic) && !lastIns.invalid;
	const leaves = touchesState || (opaque[list.length - 1] && !calloutLast) || (!calloutLast && !continuesRegion(lastIns));
	const head = [
		stops.has(block.linear >>> 0) ? 'if (entered) break;' : '',
		`if (ic + ${list.length} > end) break;`,
		'entered = true;',
		...counters.map((n) => `E${n}++;`),
	];
	const tail = [`ic += ${list.length};`];
	if (leaves) tail.push('break;');
	else {
		if (calloutLast) tail.push(`if (!(${t.stillHere})) break;`);
		if (anyStore) tail.push('if (c.codeModified) break;');
		// A callout may have unmasked or raised an interrupt: it is taken at this block boundary, as before regions.
		if (anyEmitted) tail.push('if (c.interruptReady()) break;');
		tail.push('continue;');
	}
	return `case ${block.eip}: { ${head.join(' ')}\n${parts.join('\n')}\n${tail.join(' ')} }`;
}

/**
 * The register locals the region's own code names. Only those are declared, loaded on entry and
 * stored back on the way out: the others live in the register file throughout, where callouts and
 * templates working on it find them (a region of two registers moves two at each entry and exit:
 * a jump to code on another page and back cost ~22% less than with all eight).
 */
function registersNamed(cases: string): number[] {
	const own = cases.replaceAll(FLUSH_LOCALS, '').replaceAll(LOAD_LOCALS, '');
	return [0, 1, 2, 3, 4, 5, 6, 7].filter((n) => new RegExp(`\\bR${n}\\b`).test(own));
}

/** Compiles `blocks` (the first is the usual entry) into one region function. */
export function compileRegion(blocks: readonly DecodedBlock[], options: RegionOptions): RegionFunction {
	const stillHere = `c.blocks.mappingEpoch === epoch && c.cpl === ${options.cpl} && c.seg[${Seg.CS}].base === ${options.csBase} && (c.flagsBits & ${Flag.TF}) === 0`;
	const t: Tables = { eips: [], indices: [], emitted: [], externals: [], counters: [], user: options.cpl === 3, stillHere };
	const cases = blocks.map((b) => compileBlockCase(b, options.emitter, options.stops, t)).join('\n');
	const used = registersNamed(cases);
	const flush = used.map((n) => `r[${n}] = R${n};`).join(' ');
	const load = used.map((n) => `R${n} = r[${n}];`).join(' ');
	const counts = t.counters.map((_f, n) => `E${n} = 0`);
	const handOver = t.counters.map((_f, n) => `if (E${n} !== 0) { C${n}(E${n}); E${n} = 0; }`).join(' ');
	const body = `const r = c.regs;${used.length > 0 ? ` let ${used.map((n) => `R${n} = r[${n}]`).join(', ')};` : ''}
	let ic = c.instructionCount; let k = 0; let entered = false; let raised = null; let deliveredAt = -1;${counts.length > 0 ? ` let ${counts.join(', ')};` : ''}
	const epoch = c.blocks.mappingEpoch;
	for (;;) {
		try {
			region: for (;;) {
				switch (c.eip) {
${cases.replaceAll(HAND_OVER_COUNTS, handOver).replaceAll(FLUSH_LOCALS, flush).replaceAll(LOAD_LOCALS, load)}
				}
				break;
			}
		} catch (e) {
			raised = e;
		}${counts.length > 0 ? ` finally { ${handOver} }` : ''}
		if (raised === null) break;
		if (!EMITTED[k]) { ${flush} }
		c.eip = EIPS[k]; c.instructionCount = ic + INDICES[k];
		// A guest fault (raised by a template, or thrown by a helper) is handed back, not rethrown:
		// a second unwind would cost as much as the first.
		if (!(raised instanceof CpuException)) throw raised;
		// A page fault arrives already left in c.fault.
		c.fault = null;
		// Delivered here when whoever runs the CPU can (its handler may be a block of this region). Only
		// after progress: a handler that faults at once goes back to the run loop, which counts such faults.
		if (c.instructionCount === deliveredAt || c.deliverInRun === null || !c.deliverInRun(raised)) {
			c.fault = raised;
			return;
		}
		raised = null;
		deliveredAt = ic = c.instructionCount;
		// A delivery counts against the budget as the run loop counts those it makes: a single step delivers once.
		c.regionDeliveries++;
		end--;
		if (c.exitRequest !== null || c.codeModified || !(${stillHere}) || c.interruptReady()) return;
		${load}
	}
	${flush} c.instructionCount = ic;`;
	const name = `region_${(blocks[0].linear >>> 0).toString(16)}`;
	// Each closure in a const of the factory's scope: a call costs no array load and no receiver.
	const bindings = [...t.externals.map((_f, n) => `const X${n} = ext[${n}];`), ...t.counters.map((_f, n) => `const C${n} = cnt[${n}];`)].join(' ');
	const factory = new Function('alu', 'sys', 'ext', 'cnt', 'CpuException', 'EIPS', 'INDICES', 'EMITTED', `${bindings}\nreturn function ${name}(c, end) {\n${body}\n};`);
	return factory(ALU, SYS, t.externals, t.counters, CpuException, t.eips, t.indices, t.emitted) as RegionFunction;
}
