// NASM expressions: parsed once into a tree, evaluated on every pass (label
// addresses move while jumps are sized). A value is a number or an address
// inside a section: in a flat binary a label is only an absolute number once
// the sections are laid out, as in NASM, so address arithmetic is limited to
// what stays an address (label ± number) or becomes a number (label - label).

import { AsmError, Span } from './diagnostics';
import { Token } from './lexer';

export type Expr =
	| { kind: 'num'; value: number; span: Span; wide?: bigint }
	| { kind: 'sym'; name: string; span: Span }
	| { kind: 'here'; span: Span }
	| { kind: 'section-start'; span: Span }
	| { kind: 'reg'; name: string; span: Span }
	| { kind: 'unary'; op: string; arg: Expr; span: Span }
	| { kind: 'binary'; op: string; left: Expr; right: Expr; span: Span };

/** An opaque handle to a section; only identity matters to expressions. */
export interface SectionRef { readonly name: string }

export interface Value {
	/** The number, or the offset from the start of `section`. */
	n: number;
	section: SectionRef | null;
	/** Depends on a symbol not (yet) defined: the number is a placeholder. */
	unknown: boolean;
}

export interface EvalContext {
	lookup(name: string, span: Span): Value | undefined;
	here(): Value;
	sectionStart(): Value;
	/** Called for undefined symbols; in early passes they are tolerated. */
	undefinedSymbol(name: string, span: Span): void;
}

export const constant = (n: number): Value => ({ n, section: null, unknown: false });

/** Token cursor shared by the expression and operand parsers. */
export class TokenStream {
	pos = 0;
	constructor(readonly tokens: Token[], readonly file: string, readonly line: number) {}

	peek(offset = 0): Token | undefined { return this.tokens[this.pos + offset]; }
	next(): Token | undefined { return this.tokens[this.pos++]; }
	atEnd(): boolean { return this.pos >= this.tokens.length; }
	atEndAfter(offset: number): boolean { return this.pos + offset >= this.tokens.length; }
	isPunct(text: string, offset = 0): boolean {
		const t = this.peek(offset);
		return t !== undefined && t.kind === 'punct' && t.text === text;
	}
	isWord(word: string, offset = 0): boolean {
		const t = this.peek(offset);
		return t !== undefined && t.kind === 'ident' && t.text.toLowerCase() === word;
	}
	spanOf(t: Token): Span { return { file: this.file, line: this.line, column: t.column, endColumn: t.endColumn }; }
	/** Span of the next token, or of the end of the line. */
	here(): Span {
		const t = this.peek();
		if (t) return this.spanOf(t);
		const last = this.tokens[this.tokens.length - 1];
		const col = last ? last.endColumn : 1;
		return { file: this.file, line: this.line, column: col, endColumn: col + 1 };
	}
	expectPunct(text: string, what: string): Token {
		const t = this.next();
		if (!t || t.kind !== 'punct' || t.text !== text) {
			if (t) this.pos--;
			throw new AsmError(`expected '${text}' ${what}`, this.here());
		}
		return t;
	}
}

export const join = (a: Span, b: Span): Span => ({ file: a.file, line: a.line, column: a.column, endColumn: b.endColumn });

const BINARY_LEVELS: string[][] = [['|'], ['^'], ['&'], ['<<', '>>'], ['+', '-'], ['*', '/', '//', '%', '%%']];

/** Parses an expression; `isRegister` lets memory operands use register names as atoms. */
export function parseExpression(ts: TokenStream, isRegister: (name: string) => boolean = () => false): Expr {
	return parseLevel(ts, 0, isRegister);
}

function parseLevel(ts: TokenStream, level: number, isRegister: (name: string) => boolean): Expr {
	if (level === BINARY_LEVELS.length) return parseUnary(ts, isRegister);
	let left = parseLevel(ts, level + 1, isRegister);
	for (;;) {
		const t = ts.peek();
		if (!t || t.kind !== 'punct' || !BINARY_LEVELS[level].includes(t.text)) return left;
		ts.next();
		const right = parseLevel(ts, level + 1, isRegister);
		left = { kind: 'binary', op: t.text, left, right, span: join(left.span, right.span) };
	}
}

function parseUnary(ts: TokenStream, isRegister: (name: string) => boolean): Expr {
	const t = ts.peek();
	if (!t) throw new AsmError('expected an expression', ts.here());
	if (t.kind === 'punct' && (t.text === '-' || t.text === '+' || t.text === '~' || t.text === '!')) {
		ts.next();
		const arg = parseUnary(ts, isRegister);
		return { kind: 'unary', op: t.text, arg, span: join(ts.spanOf(t), arg.span) };
	}
	return parseAtom(ts, isRegister);
}

function parseAtom(ts: TokenStream, isRegister: (name: string) => boolean): Expr {
	const t = ts.next();
	if (!t) throw new AsmError('expected an expression', ts.here());
	const span = ts.spanOf(t);
	switch (t.kind) {
		case 'number':
			// Keep the full literal for `dq` (GDT descriptors are written as one 64-bit number).
			return { kind: 'num', value: Number(BigInt.asUintN(32, t.value!)) | 0, span, wide: t.value };
		case 'string': {
			if (t.text.length > 4) throw new AsmError(`character constant '${t.text}' is longer than 4 bytes`, span);
			let value = 0;
			for (let i = t.text.length - 1; i >= 0; i--) value = value * 256 + t.text.charCodeAt(i);
			return { kind: 'num', value: value | 0, span };
		}
		case 'ident': {
			if (t.text === '$') return { kind: 'here', span };
			if (t.text === '$$') return { kind: 'section-start', span };
			if (isRegister(t.text.toLowerCase())) return { kind: 'reg', name: t.text.toLowerCase(), span };
			return { kind: 'sym', name: t.text, span };
		}
		case 'punct':
			if (t.text === '(') {
				const inner = parseLevel(ts, 0, isRegister);
				ts.expectPunct(')', 'to close the parenthesis');
				return inner;
			}
			break;
	}
	ts.pos--;
	throw new AsmError(`expected an expression, found '${t.text}'`, span);
}

const wrap = (n: number): number => n | 0;

export function evaluate(e: Expr, ctx: EvalContext): Value {
	switch (e.kind) {
		case 'num': return constant(e.value);
		case 'here': return ctx.here();
		case 'section-start': return ctx.sectionStart();
		case 'reg': throw new AsmError(`register '${e.name}' cannot be used in an expression here`, e.span);
		case 'sym': {
			const v = ctx.lookup(e.name, e.span);
			if (v) return v;
			ctx.undefinedSymbol(e.name, e.span);
			return { n: 0, section: null, unknown: true };
		}
		case 'unary': {
			const a = evaluate(e.arg, ctx);
			if (e.op === '+') return a;
			requireScalar(a, e.op, e.span);
			const n = e.op === '-' ? -a.n : e.op === '~' ? ~a.n : a.n === 0 ? 1 : 0;
			return { n: wrap(n), section: null, unknown: a.unknown };
		}
		case 'binary': {
			const a = evaluate(e.left, ctx);
			const b = evaluate(e.right, ctx);
			return combine(e.op, a, b, e.span);
		}
	}
}

function requireScalar(v: Value, op: string, span: Span): void {
	if (v.section && !v.unknown) {
		throw new AsmError(`'${op}' cannot be applied to an address in a flat binary; use a difference such as (label - $$ + ORIGIN)`, span);
	}
}

export function combine(op: string, a: Value, b: Value, span: Span): Value {
	const unknown = a.unknown || b.unknown;
	if (op === '+') {
		if (a.section && b.section && !unknown) throw new AsmError('cannot add two addresses', span);
		return { n: wrap(a.n + b.n), section: a.section ?? b.section, unknown };
	}
	if (op === '-') {
		if (b.section && !unknown) {
			if (a.section !== b.section) {
				throw new AsmError(a.section ? 'cannot subtract addresses in different sections' : 'cannot subtract an address from a number', span);
			}
			return { n: wrap(a.n - b.n), section: null, unknown };
		}
		return { n: wrap(a.n - b.n), section: unknown ? null : a.section, unknown };
	}
	requireScalar(a, op, span);
	requireScalar(b, op, span);
	const x = a.n, y = b.n;
	let n: number;
	switch (op) {
		case '*': n = Math.imul(x, y); break;
		case '/': case '//': case '%': case '%%':
			if (y === 0) {
				if (unknown) return { n: 0, section: null, unknown };
				throw new AsmError('division by zero', span);
			}
			if (op === '/') n = Math.floor((x >>> 0) / (y >>> 0));
			else if (op === '//') n = Math.trunc(x / y);
			else if (op === '%') n = (x >>> 0) % (y >>> 0);
			else n = x % y;
			break;
		case '<<': n = y >= 32 ? 0 : x << y; break;
		case '>>': n = y >= 32 ? 0 : x >>> y; break;
		case '&': n = x & y; break;
		case '|': n = x | y; break;
		case '^': n = x ^ y; break;
		default: throw new AsmError(`unsupported operator '${op}'`, span);
	}
	return { n: wrap(n), section: null, unknown };
}

/** Every symbol name an expression mentions, for local-label qualification. */
export function mapSymbols(e: Expr, f: (name: string) => string): Expr {
	switch (e.kind) {
		case 'sym': return { ...e, name: f(e.name) };
		case 'unary': return { ...e, arg: mapSymbols(e.arg, f) };
		case 'binary': return { ...e, left: mapSymbols(e.left, f), right: mapSymbols(e.right, f) };
		default: return e;
	}
}
