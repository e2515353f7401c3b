// The small vocabulary instruction templates are written in. Templates never
// name where registers live; they ask for the expression that reads a register
// or the statement that writes one, and wrap calls that look at the CPU's
// register file (system functions, I/O) in `withState`/`syncRegs`. Compiled
// regions keep the general registers in locals `R0`..`R7`; code emitted for the
// monitor and single instructions outside a region use `r` (= c.regs).
//
// Conventions for generated JavaScript: `c` is the Cpu, `r` its register file,
// `ic` the instruction count at block entry; 32-bit values are int32, 8- and
// 16-bit values are zero-extended; the imported namespaces are `alu`, `sys`,
// `ext` and `CpuException`.

import type { DecodedInstruction, MemoryOperand, Operand, OperandSize } from '../decoded-instruction';
import { flagKind, FlagOp } from '../lazy-flags';
import { Reg, Seg } from '../registers';
import { TlbRight } from '../tlb';

export type Template = (ins: DecodedInstruction, g: CodeGen) => string;

const MASKS: Record<number, string> = { 8: '255', 16: '65535', 32: '-1' };

/** An operand that may be read and then written (read-modify-write shares one effective address, computed in the prelude). */
export interface OperandAccess {
	read: string;
	write(value: string): string;
}

/** The lazy flag kind the previous instruction left, when the compiler knows it statically. */
export interface KnownFlags {
	op: FlagOp;
	size: OperandSize;
}

export interface CodeGenOptions {
	/** Registers live in locals R0..R7 (a compiled region) rather than in `r`. */
	locals: boolean;
	/** Every flag this instruction writes is overwritten before anything can observe it. */
	flagsDead: boolean;
	known?: KnownFlags;
	/** The code runs at CPL 3 (true) or below (false), as a region compiled for one CPL does; unset: tested when it runs. */
	user?: boolean;
}

const ARRAY_MODE: CodeGenOptions = { locals: false, flagsDead: false };
const GPRS = [0, 1, 2, 3, 4, 5, 6, 7];

/** Statements copying register locals to the register file. */
export const FLUSH_LOCALS = GPRS.map((n) => `r[${n}] = R${n};`).join(' ');
/** Statements loading register locals from the register file. */
export const LOAD_LOCALS = GPRS.map((n) => `R${n} = r[${n}];`).join(' ');

export class CodeGen {
	/** The code calls out with the register file current (system functions, I/O): its block ends a region's run. */
	touchesState = false;
	/** Statements that run before the template's code: its memory operands' addresses and loads. */
	private readonly hoisted: string[] = [];
	private loads = 0;

	constructor(
		/** Index of the instruction in its block. */
		readonly index: number,
		readonly options: CodeGenOptions = ARRAY_MODE,
	) {}

	/** Where general register `n` lives (a local in a region, else the register file). */
	private slot(n: number): string {
		return this.options.locals ? `R${n}` : `r[${n}]`;
	}

	/** An expression reading general register `n` (ModRM numbering for 8-bit) of `size` bits. */
	reg(n: number, size: OperandSize): string {
		if (size === 32) return this.slot(n);
		if (size === 16) return `(${this.slot(n)} & 65535)`;
		return n < 4 ? `(${this.slot(n)} & 255)` : `((${this.slot(n - 4)} >> 8) & 255)`;
	}

	/** A statement writing the low `size` bits of `value` to register `n`. */
	setReg(n: number, size: OperandSize, value: string): string {
		if (size === 32) return `${this.slot(n)} = ${value};`;
		const s = this.slot(n < 4 || size === 16 ? n : n - 4);
		if (size === 16) return `${s} = (${s} & -65536) | ((${value}) & 65535);`;
		if (n < 4) return `${s} = (${s} & -256) | ((${value}) & 255);`;
		return `${s} = (${s} & -65281) | (((${value}) & 255) << 8);`;
	}

	/**
	 * What must run before the template's code: the loads of its memory operands,
	 * at the addresses the registers give on entry, as the hardware computes them.
	 * A page fault there leaves the region before the instruction changed anything,
	 * without a JavaScript throw.
	 */
	prelude(): string {
		return this.hoisted.join(' ');
	}

	/** Leaves the region with the page fault a load or store left in `c.fault`, after `undo`. */
	private faultExit(undo = ''): string {
		return `if (c.fault !== null) { ${undo} raised = c.fault; break region; }`;
	}

	/** A hoisted load of `size` bits at `offset` (an expression of entry registers) in `seg`; the name of its local. */
	private load(seg: Seg, offset: string, size: OperandSize): string {
		const name = `m${this.loads++}`;
		if (size !== 32) this.hoisted.push(`const ${name} = c.loadSeg${size}(${seg}, ${offset}); ${this.faultExit()}`);
		else {
			this.hoisted.push(`let ${name}; { const lo = ${offset}; ${ramSlot('li', seg, 'lo', false, this.options.user)}` +
				` if (li >= 0) ${name} = c.ram32View[li]; else { ${name} = c.loadSeg32(${seg}, lo); ${this.faultExit()} } }`);
		}
		return name;
	}

	/** Makes the register file current before a call that reads it but never changes it. */
	syncRegs(): string {
		this.touchesState = true;
		return this.options.locals ? FLUSH_LOCALS : '';
	}

	/**
	 * Runs `statements` (calls into system functions, callouts) with the register
	 * file current, and picks up what they changed. Values they compute must be
	 * kept in consts and stored to registers afterwards.
	 */
	withState(statements: string): string {
		this.touchesState = true;
		return this.options.locals ? `${FLUSH_LOCALS} ${statements} ${LOAD_LOCALS}` : statements;
	}

	/** Leaves the compiled code with EIP at `eip`, instructions before this one retired (a REP chunk yield). */
	exit(eip: number): string {
		return `${this.options.locals ? FLUSH_LOCALS : ''} c.eip = ${eip}; c.instructionCount = ic + ${this.index}; return;`;
	}

	/** Flag bookkeeping: dropped when the flags are dead. */
	flagWork(statements: string): string {
		return this.options.flagsDead ? '' : statements;
	}

	/** A statement pushing `value` (evaluated before ESP moves). */
	push(size: 16 | 32, value: string): string {
		const sp = this.slot(4);
		if (size === 16) return `${sp} = c.pushAt16(${sp}, ${value});`;
		return `{ const pv = ${value}; const pb = (${sp} - 4) | 0; ${ramSlot('pi', Seg.SS, 'pb', true, this.options.user)}` +
			` if (pi >= 0) { c.ram32View[pi] = pv; ${sp} = pb; } else ${sp} = c.pushAt32(${sp}, pv); }`;
	}

	/** An expression reading the stack at ESP + `offset` without moving ESP. */
	peek(size: 16 | 32, offset: number | string): string {
		return `c.peekAt${size}(${this.slot(4)}, ${offset})`;
	}

	/** A statement declaring `name` as the stack at ESP + `offset` (what `peek` reads). */
	peekInto(name: string, size: 16 | 32, offset: number): string {
		const sp = this.slot(4);
		if (size === 16) return `const ${name} = c.peekAt16(${sp}, ${offset});`;
		return `let ${name}; { const qb = (${sp} + ${offset}) | 0; ${ramSlot('qi', Seg.SS, 'qb', false, this.options.user)}` +
			` ${name} = qi >= 0 ? c.ram32View[qi] : c.peekAt32(${sp}, ${offset}); }`;
	}

	/** A statement moving ESP by `delta` (within SP on a 16-bit stack). */
	adjustStack(delta: number | string): string {
		const sp = this.slot(4);
		return `${sp} = c.seg[${Seg.SS}].big ? (${sp} + (${delta})) | 0 : (${sp} & -65536) | ((${sp} + (${delta})) & 65535);`;
	}

	/** The effective address (offset in its segment) of a memory operand. */
	ea(m: MemoryOperand): string {
		const wide = m.addressSize === 32;
		const part = (n: number): string => (wide ? this.slot(n) : `(${this.slot(n)} & 65535)`);
		const terms: string[] = [];
		if (m.base >= 0) terms.push(part(m.base));
		if (m.index >= 0) terms.push(m.scale === 1 ? part(m.index) : `${part(m.index)} * ${m.scale}`);
		if (m.displacement !== 0 || terms.length === 0) terms.push(String(m.displacement | 0));
		return wide ? `((${terms.join(' + ')}) | 0)` : `((${terms.join(' + ')}) & 65535)`;
	}

	readMem(seg: Seg, offset: string, size: OperandSize): string {
		return `c.readSeg${size}(${seg}, ${offset})`;
	}

	/** A store; `undo` puts back what the template changed before it, should it page-fault. */
	writeMem(seg: Seg, offset: string, size: OperandSize, value: string, undo = ''): string {
		if (size !== 32) return `c.storeSeg${size}(${seg}, ${offset}, ${value}); ${this.faultExit(undo)}`;
		return `{ const wo = ${offset}; const wv = ${value}; ${ramSlot('wi', seg, 'wo', true, this.options.user)}` +
			` if (wi >= 0) c.ram32View[wi] = wv; else { c.storeSeg32(${seg}, wo, wv); ${this.faultExit(undo)} } }`;
	}

	/** Operand size in bits (memory operands by their access size). */
	size(op: Operand): OperandSize {
		switch (op.kind) {
			case 'reg': case 'imm': case 'string': return op.size;
			case 'mem': return (op.mem.size * 8) as OperandSize;
			default: return 32;
		}
	}

	/** An expression for a source operand; a memory operand computes its address inline. */
	read(op: Operand, size: OperandSize = this.size(op)): string {
		switch (op.kind) {
			case 'reg': return this.reg(op.reg, op.size);
			case 'imm': return size === 32 ? String(op.value | 0) : String(op.value & (size === 16 ? 0xffff : 0xff));
			case 'mem': return this.load(op.mem.seg, this.ea(op.mem), size);
			case 'sreg': return `c.seg[${op.seg}].selector`;
			default: throw new Error(`operand ${op.kind} cannot be read`);
		}
	}

	/** Read-modify-write access to a destination; `tag` names the address local. */
	access(op: Operand, tag: string): OperandAccess {
		if (op.kind === 'reg') return { read: this.reg(op.reg, op.size), write: (v) => this.setReg(op.reg, op.size, v) };
		if (op.kind === 'mem') {
			const size = this.size(op);
			const seg = op.mem.seg;
			this.hoisted.push(`const ${tag} = ${this.ea(op.mem)};`);
			let loaded: string | undefined;
			// Loaded only if the template reads it: a store-only destination must not be read (MMIO).
			const load = (): string => (loaded ??= this.load(seg, tag, size));
			return { get read() { return load(); }, write: (v) => this.writeMem(seg, tag, size, v) };
		}
		throw new Error(`operand ${op.kind} cannot be written`);
	}

	/** Record the lazy flags of an operation. */
	lazyFlags(op: FlagOp, size: OperandSize, a: string, b: string, result: string): string {
		return this.flagWork(`c.lk = ${flagKind(op, size)}; c.la = ${a}; c.lb = ${b}; c.lr = ${result};`);
	}

	/** Truncate an arithmetic expression to `size` bits (int32 for 32). */
	truncate(expr: string, size: OperandSize): string {
		return size === 32 ? `((${expr}) | 0)` : `((${expr}) & ${MASKS[size]})`;
	}

	/** Sign-extend an expression of `from` bits to int32. */
	signExtend(expr: string, from: OperandSize): string {
		return from === 32 ? `(${expr} | 0)` : `((${expr}) << ${32 - from} >> ${32 - from})`;
	}

	/** Condition `n` (jcc numbering); computed from the lazy fields directly when the producer is known. */
	cond(n: number): string {
		const known = this.options.known;
		return (known && knownCondition(known, n)) ?? `c.cond(${n})`;
	}

	/** Keep the instruction count exact for code that reads it (RDTSC, system calls). */
	syncCount(): string {
		return `c.instructionCount = ic + ${this.index};`;
	}

	/**
	 * A statement raising an exception. It leaves the region's dispatch loop
	 * (`region`) with the exception in `raised` rather than throwing it: the
	 * region hands it back exactly as it does a fault thrown by a helper, and a
	 * fault a template can see coming costs no JavaScript unwind. `errorCode`
	 * may be an expression of the generated code.
	 */
	raise(vector: number, errorCode?: number | string): string {
		return `{ raised = new CpuException(${errorCode === undefined ? vector : `${vector}, ${errorCode}`}); break region; }`;
	}

	/** ESI/EDI/ECX of a string instruction under its address size. */
	stringReg(reg: Reg, addressSize: 16 | 32): string {
		return this.reg(reg, addressSize);
	}

	/** Add `delta` (an expression) to a string index/count register under the address size. */
	stringAdvance(reg: Reg, addressSize: 16 | 32, delta: string): string {
		const s = this.slot(reg);
		return addressSize === 32 ? `${s} = (${s} + ${delta}) | 0;` : `${s} = (${s} & -65536) | ((${s} + ${delta}) & 65535);`;
	}
}

/**
 * Conditions read straight from the lazy fields for a kind fixed at compile
 * time (CMP/SUB, ADD, the logic group): no dispatch on `c.lk`. Null where the
 * general evaluation is as good.
 */
function knownCondition(known: KnownFlags, n: number): string | null {
	const { op, size } = known;
	const sign = size === 32 ? '' : ` << ${32 - size} >> ${32 - size}`;
	const zf = 'c.lr === 0';
	const sf = size === 32 ? 'c.lr < 0' : `(c.lr & ${1 << (size - 1)}) !== 0`;
	const pick = (table: Record<number, string>): string | null => table[n] ?? null;
	if (op === FlagOp.Sub) {
		const below = size === 32 ? '(c.la >>> 0) < (c.lb >>> 0)' : 'c.la < c.lb';
		const less = `(c.la${sign}) < (c.lb${sign})`;
		return pick({
			2: below, 3: `!(${below})`, 4: zf, 5: `!(${zf})`, 6: `(${below}) || ${zf}`, 7: `!(${below}) && !(${zf})`,
			8: sf, 9: `!(${sf})`, 12: less, 13: `!(${less})`, 14: `(${less}) || ${zf}`, 15: `!(${less}) && !(${zf})`,
		});
	}
	if (op === FlagOp.Logic) {
		return pick({ 0: 'false', 1: 'true', 2: 'false', 3: 'true', 4: zf, 5: `!(${zf})`, 6: zf, 7: `!(${zf})`, 8: sf, 9: `!(${sf})`, 12: sf, 13: `!(${sf})`, 14: `${zf} || ${sf}`, 15: `!(${zf}) && !(${sf})` });
	}
	// ZF and SF come from the result alone; INC and DEC record theirs like ADD.
	if (op === FlagOp.Add || op === FlagOp.Inc || op === FlagOp.Dec) return pick({ 4: zf, 5: `!(${zf})`, 8: sf, 9: `!(${sf})` });
	return null;
}

/**
 * Statements declaring `index`: where the aligned 4 bytes at `offset` (a local) in `seg` sit
 * in `c.ram32View`, or -1. It is found only when the access cannot fault and needs no side
 * effect: the segment usable, writable (or readable) expand-up, within its limit (and for SS
 * a 32-bit stack), a TLB entry already granting the access, RAM, and for a store no decoded
 * code on the page; every other case leaves it to the Cpu's checked path (which
 * Cpu.ramIndex32 mirrors), so faults stay exact.
 */
function ramSlot(index: string, seg: Seg, offset: string, write: boolean, user: boolean | undefined): string {
	const typeOk = write ? '(s.type & 14) === 2' : '(s.type & 12) !== 4 && (s.type & 10) !== 8';
	const [userRight, supervisorRight] = write ? [TlbRight.UserWrite, TlbRight.SupervisorWrite] : [TlbRight.UserRead, TlbRight.SupervisorRead];
	const right = user === undefined ? `c.cpl === 3 ? ${userRight} : ${supervisorRight}` : String(user ? userRight : supervisorRight);
	const code = write ? ' && c.codePages[p >>> 12] === 0' : '';
	const big = seg === Seg.SS ? 's.big && ' : '';
	return `let ${index} = -1; { const s = c.seg[${seg}]; const o = ${offset} >>> 0;` +
		` if (${big}s.usable && ${typeOk} && o <= s.limit - 3) { const l = (s.base + o) | 0; const e = c.tlb.entries[l >>> 12];` +
		` if ((l & 3) === 0 && (e & (${right})) !== 0) { const p = ((e & -4096) | (l & 4095)) >>> 0; if (p < c.ram32End${code}) ${index} = p >>> 2; } } }`;
}

/** The segment of a string source or XLAT table: DS unless overridden. */
export const sourceSegment = (ins: DecodedInstruction): Seg => ins.segmentPrefix ?? Seg.DS;
