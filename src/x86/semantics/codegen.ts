// The small vocabulary instruction templates are written in. Templates never
// name where registers, flags or memory live; they ask for the expression that
// reads a register or the statement that writes one. A later JIT that keeps
// registers in locals changes these helpers, not the templates.
//
// Conventions for generated JavaScript: `c` is the Cpu, `ic` the instruction
// count at block entry; 32-bit values are int32, 8- and 16-bit values are
// zero-extended; the imported namespaces are `alu`, `sys`, `ext` and
// `CpuException`.

import type { DecodedInstruction, MemoryOperand, Operand, OperandSize } from '../decoded-instruction';
import { flagKind, type FlagOp } from '../lazy-flags';
import { Reg, Seg } from '../registers';

export type Template = (ins: DecodedInstruction, g: CodeGen) => string;

const MASKS: Record<number, string> = { 8: '255', 16: '65535', 32: '-1' };

/** An operand that may be read and then written (read-modify-write shares one effective address). */
export interface OperandAccess {
	/** Statements to run first (computing the effective address once). */
	setup: string;
	read: string;
	write(value: string): string;
}

export class CodeGen {
	constructor(
		/** Index of the instruction in its block. */
		readonly index: number,
	) {}

	/** An expression reading general register `n` (ModRM numbering for 8-bit) of `size` bits. */
	reg(n: number, size: OperandSize): string {
		if (size === 32) return `r[${n}]`;
		if (size === 16) return `(r[${n}] & 65535)`;
		return n < 4 ? `(r[${n}] & 255)` : `((r[${n - 4}] >> 8) & 255)`;
	}

	/** A statement writing the low `size` bits of `value` to register `n`. */
	setReg(n: number, size: OperandSize, value: string): string {
		if (size === 32) return `r[${n}] = ${value};`;
		if (size === 16) return `r[${n}] = (r[${n}] & -65536) | ((${value}) & 65535);`;
		if (n < 4) return `r[${n}] = (r[${n}] & -256) | ((${value}) & 255);`;
		return `r[${n - 4}] = (r[${n - 4}] & -65281) | (((${value}) & 255) << 8);`;
	}

	/** The effective address (offset in its segment) of a memory operand. */
	ea(m: MemoryOperand): string {
		const wide = m.addressSize === 32;
		const part = (n: number): string => (wide ? `r[${n}]` : `(r[${n}] & 65535)`);
		const terms: string[] = [];
		if (m.base >= 0) terms.push(part(m.base));
		if (m.index >= 0) terms.push(m.scale === 1 ? part(m.index) : `${part(m.index)} * ${m.scale}`);
		if (m.displacement !== 0 || terms.length === 0) terms.push(String(m.displacement | 0));
		return wide ? `((${terms.join(' + ')}) | 0)` : `((${terms.join(' + ')}) & 65535)`;
	}

	readMem(seg: Seg, offset: string, size: OperandSize): string {
		return `c.readSeg${size}(${seg}, ${offset})`;
	}

	writeMem(seg: Seg, offset: string, size: OperandSize, value: string): string {
		return `c.writeSeg${size}(${seg}, ${offset}, ${value});`;
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
			case 'mem': return this.readMem(op.mem.seg, this.ea(op.mem), size);
			case 'sreg': return `c.seg[${op.seg}].selector`;
			default: throw new Error(`operand ${op.kind} cannot be read`);
		}
	}

	/** Read-modify-write access to a destination; `tag` names the address local. */
	access(op: Operand, tag: string): OperandAccess {
		if (op.kind === 'reg') return { setup: '', read: this.reg(op.reg, op.size), write: (v) => this.setReg(op.reg, op.size, v) };
		if (op.kind === 'mem') {
			const size = this.size(op);
			const seg = op.mem.seg;
			return { setup: `const ${tag} = ${this.ea(op.mem)};`, read: this.readMem(seg, tag, size), write: (v) => this.writeMem(seg, tag, size, v) };
		}
		throw new Error(`operand ${op.kind} cannot be written`);
	}

	/** Record the lazy flags of an operation. */
	lazyFlags(op: FlagOp, size: OperandSize, a: string, b: string, result: string): string {
		return `c.lk = ${flagKind(op, size)}; c.la = ${a}; c.lb = ${b}; c.lr = ${result};`;
	}

	/** Truncate an arithmetic expression to `size` bits (int32 for 32). */
	truncate(expr: string, size: OperandSize): string {
		return size === 32 ? `((${expr}) | 0)` : `((${expr}) & ${MASKS[size]})`;
	}

	/** Sign-extend an expression of `from` bits to int32. */
	signExtend(expr: string, from: OperandSize): string {
		return from === 32 ? `(${expr} | 0)` : `((${expr}) << ${32 - from} >> ${32 - from})`;
	}

	cond(n: number): string {
		return `c.cond(${n})`;
	}

	/** Keep the instruction count exact for code that reads it (RDTSC, system calls). */
	syncCount(): string {
		return `c.instructionCount = ic + ${this.index};`;
	}

	/** A statement raising an exception. */
	raise(vector: number, errorCode?: number): string {
		return errorCode === undefined ? `throw new CpuException(${vector});` : `throw new CpuException(${vector}, ${errorCode});`;
	}

	/** ESI/EDI/ECX of a string instruction under its address size. */
	stringReg(reg: Reg, addressSize: 16 | 32): string {
		return addressSize === 32 ? `r[${reg}]` : `(r[${reg}] & 65535)`;
	}

	/** Add `delta` (an expression) to a string index/count register under the address size. */
	stringAdvance(reg: Reg, addressSize: 16 | 32, delta: string): string {
		return addressSize === 32 ? `r[${reg}] = (r[${reg}] + ${delta}) | 0;` : `r[${reg}] = (r[${reg}] & -65536) | ((r[${reg}] + ${delta}) & 65535);`;
	}
}

/** The segment of a string source or XLAT table: DS unless overridden. */
export const sourceSegment = (ins: DecodedInstruction): Seg => ins.segmentPrefix ?? Seg.DS;
