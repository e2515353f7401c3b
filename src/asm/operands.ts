// Operand syntax: registers, memory references with size keywords and segment
// overrides, immediates (with byte/word/dword, strict, short/near/far) and far
// pointers `selector:offset`. Memory addresses are parsed once and reduced to
// base + index*scale + displacement on every pass.

import { AsmError, Span } from './diagnostics';
import { combine, EvalContext, evaluate, Expr, join, parseExpression, TokenStream, Value } from './expression';
import { isRegisterName, LONG_MODE_REGISTERS, registerInfo, RegisterInfo } from './registers';

export type JumpKind = 'short' | 'near' | 'far';

export type Operand =
	| { kind: 'reg'; reg: RegisterInfo; span: Span }
	| { kind: 'mem'; size?: number; far: boolean; segment?: RegisterInfo; address: Expr; span: Span }
	| { kind: 'imm'; expr: Expr; size?: number; strict: boolean; jump?: JumpKind; span: Span }
	| { kind: 'far-ptr'; selector: Expr; offset: Expr; span: Span };

const SIZE_KEYWORDS: Record<string, number> = { byte: 1, word: 2, dword: 4, qword: 8, tword: 10 };
export const SIZE_NAMES: Record<number, string> = { 1: 'byte', 2: 'word', 4: 'dword', 8: 'qword', 10: 'tword' };

/** Parses comma-separated operands to the end of the line. */
export function parseOperands(ts: TokenStream): Operand[] {
	const operands: Operand[] = [];
	if (ts.atEnd()) return operands;
	for (;;) {
		operands.push(parseOperand(ts));
		if (ts.atEnd()) return operands;
		if (!ts.isPunct(',')) throw new AsmError(`unexpected '${ts.peek()!.text}': expected ',' or the end of the line`, ts.here());
		ts.next();
	}
}

function parseOperand(ts: TokenStream): Operand {
	const start = ts.here();
	let size: number | undefined;
	let strict = false;
	let jump: JumpKind | undefined;
	for (;;) {
		const t = ts.peek();
		if (t?.kind !== 'ident') break;
		const word = t.text.toLowerCase();
		if (word in SIZE_KEYWORDS) size = SIZE_KEYWORDS[word];
		else if (word === 'strict') strict = true;
		else if (word === 'short' || word === 'near' || word === 'far') jump = word;
		else break;
		ts.next();
	}
	let segment: RegisterInfo | undefined;
	const t = ts.peek();
	if (t?.kind === 'ident') {
		const reg = registerInfo(t.text);
		if (reg?.cls === 'sreg' && ts.isPunct(':', 1) && ts.isPunct('[', 2)) {
			segment = reg;
			ts.next();
			ts.next();
		} else if (reg && (ts.atEndAfter(1) || ts.isPunct(',', 1))) {
			ts.next();
			if (size !== undefined || strict || jump) throw new AsmError(`a size or jump keyword cannot apply to register '${reg.name}'`, start);
			return { kind: 'reg', reg, span: ts.spanOf(t) };
		} else if (LONG_MODE_REGISTERS.has(t.text.toLowerCase())) {
			throw new AsmError(`'${t.text}' is a 64-bit register; this assembler targets 32-bit guests`, ts.spanOf(t));
		}
	}
	if (ts.isPunct('[')) {
		const open = ts.next()!;
		if (!segment) {
			const s = ts.peek();
			const reg = s?.kind === 'ident' ? registerInfo(s.text) : undefined;
			if (reg?.cls === 'sreg' && ts.isPunct(':', 1)) {
				segment = reg;
				ts.next();
				ts.next();
			}
		}
		const address = parseExpression(ts, isRegisterName);
		const close = ts.expectPunct(']', 'to close the memory reference');
		return { kind: 'mem', size, far: jump === 'far', segment, address, span: join(ts.spanOf(open), ts.spanOf(close)) };
	}
	const expr = parseExpression(ts);
	if (ts.isPunct(':')) {
		ts.next();
		const offset = parseExpression(ts);
		return { kind: 'far-ptr', selector: expr, offset, span: join(expr.span, offset.span) };
	}
	return { kind: 'imm', expr, size, strict, jump, span: join(start, expr.span) };
}

export interface Address {
	base?: RegisterInfo;
	index?: RegisterInfo;
	scale: 1 | 2 | 4 | 8;
	displacement: Value;
	/** No register at all: a plain `[address]`. */
	absolute: boolean;
}

interface Linear { regs: Map<string, number>; value: Value }

/** Reduces a memory expression to base + index*scale + displacement, splitting [reg*3] into [reg+reg*2] as NASM does. */
export function resolveAddress(address: Expr, ctx: EvalContext): Address {
	const linear = linearize(address, ctx);
	const regs = [...linear.regs].filter(([, c]) => c !== 0);
	for (const [name] of regs) {
		const info = registerInfo(name)!;
		if (info.cls !== 'gpr32') {
			throw new AsmError(info.cls === 'gpr16' ? `16-bit addressing ('${name}') is not supported: use 32-bit registers` : `'${name}' cannot be used in a memory address`, address.span);
		}
	}
	if (regs.length > 2) throw new AsmError('a memory address can use at most two registers', address.span);
	let base: RegisterInfo | undefined;
	let index: RegisterInfo | undefined;
	let scale = 1;
	if (regs.length === 2) {
		let [[b, bc], [i, ic]] = regs;
		// The unscaled register is the base; esp can only ever be the base.
		if (bc !== 1 || (ic === 1 && i === 'esp')) [b, bc, i, ic] = [i, ic, b, bc];
		if (bc !== 1) throw new AsmError('only one register in a memory address can be scaled', address.span);
		base = registerInfo(b);
		index = registerInfo(i);
		scale = ic;
	} else if (regs.length === 1) {
		const [name, c] = regs[0];
		const reg = registerInfo(name)!;
		if (c === 1) base = reg;
		else if (c === 3 || c === 5 || c === 9 || c === 2) { base = reg; index = reg; scale = c - 1; }
		else { index = reg; scale = c; }
	}
	if (![1, 2, 4, 8].includes(scale)) throw new AsmError(`scale ${scale} is not 1, 2, 4 or 8`, address.span);
	if (index?.name === 'esp') throw new AsmError('esp cannot be an index register', address.span);
	return { base, index, scale: scale as Address['scale'], displacement: linear.value, absolute: !base && !index };
}

function linearize(e: Expr, ctx: EvalContext): Linear {
	switch (e.kind) {
		case 'reg': return { regs: new Map([[e.name, 1]]), value: { n: 0, section: null, unknown: false } };
		case 'binary': {
			if (e.op === '+' || e.op === '-') {
				const a = linearize(e.left, ctx);
				const b = linearize(e.right, ctx);
				const sign = e.op === '+' ? 1 : -1;
				for (const [r, c] of b.regs) a.regs.set(r, (a.regs.get(r) ?? 0) + sign * c);
				return { regs: a.regs, value: combine(e.op, a.value, b.value, e.span) };
			}
			if (e.op === '*') {
				const a = linearize(e.left, ctx);
				const b = linearize(e.right, ctx);
				if (a.regs.size > 0 && b.regs.size > 0) throw new AsmError('cannot multiply two registers', e.span);
				const [scaled, factor] = a.regs.size > 0 ? [a, b.value] : [b, a.value];
				if (scaled.regs.size > 0) {
					if (factor.section || factor.unknown) throw new AsmError('a register scale must be a constant', e.span);
					for (const [r, c] of scaled.regs) scaled.regs.set(r, c * factor.n);
					return { regs: scaled.regs, value: { ...scaled.value, n: Math.imul(scaled.value.n, factor.n) } };
				}
			}
			break;
		}
		case 'unary':
			if (e.op === '+') return linearize(e.arg, ctx);
			break;
	}
	if (containsRegister(e)) throw new AsmError('registers in a memory address can only be added, subtracted or scaled by a constant', e.span);
	return { regs: new Map(), value: evaluate(e, ctx) };
}

function containsRegister(e: Expr): boolean {
	if (e.kind === 'reg') return true;
	if (e.kind === 'unary') return containsRegister(e.arg);
	if (e.kind === 'binary') return containsRegister(e.left) || containsRegister(e.right);
	return false;
}

