// One preprocessed line becomes one statement: an optional label and one of an
// instruction, a data/reserve directive, times, equ, align, or a layout
// directive. Parsing happens once; the passes only evaluate.

import { AsmError, Span } from './diagnostics';
import { Expr, mapSymbols, parseExpression, TokenStream } from './expression';
import { Token } from './lexer';
import { canonicalMnemonic, DIRECTIVES, PREFIXES, STRING_MNEMONICS, SUPPORTED_MNEMONICS, suggest } from './mnemonics';
import { Operand, parseOperands } from './operands';

export type DataItem = { kind: 'bytes'; bytes: number[]; span: Span } | { kind: 'expr'; expr: Expr; span: Span };

export type Body =
	| { kind: 'instruction'; mnemonic: string; written: string; prefixes: string[]; operands: Operand[]; string: boolean; span: Span }
	| { kind: 'data'; width: 1 | 2 | 4 | 8; items: DataItem[]; span: Span }
	| { kind: 'reserve'; width: number; count: Expr; span: Span }
	| { kind: 'times'; count: Expr; body: Body; span: Span }
	| { kind: 'align'; boundary: Expr; fill?: Body; reserve: boolean; span: Span }
	| { kind: 'equ'; expr: Expr; span: Span };

/** What a line asks of the assembler outside the current section's byte stream. */
export type Layout =
	| { kind: 'section'; name: string; attributes: { align?: Expr; nobits?: boolean }; span: Span }
	| { kind: 'org'; expr: Expr; span: Span }
	| { kind: 'extern'; names: string[]; span: Span }
	| { kind: 'global'; names: string[]; span: Span };

export interface ParsedLine {
	label?: { name: string; span: Span; colon: boolean };
	body?: Body;
	layout?: Layout;
	/** A word alone on the line that is probably a misspelt instruction (NASM would take it as a label). */
	orphanHint?: string;
}

const DATA_WIDTHS: Record<string, 1 | 2 | 4 | 8> = { db: 1, dw: 2, dd: 4, dq: 8 };
const RESERVE_WIDTHS: Record<string, number> = { resb: 1, resw: 2, resd: 4, resq: 8 };
const SIZED_DIRECTIVES = new Set([...Object.keys(DATA_WIDTHS), ...Object.keys(RESERVE_WIDTHS)]);

const isStatementWord = (word: string): boolean => {
	const w = word.toLowerCase();
	return canonicalMnemonic(w) !== undefined || STRING_MNEMONICS.includes(w) || PREFIXES.includes(w) || SIZED_DIRECTIVES.has(w) || w === 'times' || w === 'equ' || w === 'align' || w === 'alignb';
};

/** Qualifies local labels (`.loop`) with the enclosing non-local label, as NASM does. */
export class LabelScope {
	global = '';
	qualify(name: string): string {
		return name.startsWith('.') && !name.startsWith('..') ? this.global + name : name;
	}
	define(name: string): string {
		const full = this.qualify(name);
		if (!name.startsWith('.')) this.global = name;
		return full;
	}
}

export function parseLine(tokens: Token[], file: string, line: number, scope: LabelScope): ParsedLine {
	let body = tokens;
	if (body[0]?.kind === 'punct' && body[0].text === '[' && body[body.length - 1]?.text === ']') body = body.slice(1, -1);
	const ts = new TokenStream(body, file, line);
	const result: ParsedLine = {};
	const first = ts.peek();
	if (!first) return result;
	if (first.kind !== 'ident') throw new AsmError(`expected a label, an instruction or a directive, found '${first.text}'`, ts.here());
	const word = first.text.toLowerCase();

	const layout = parseLayout(ts, word);
	if (layout !== undefined) {
		if (layout) result.layout = layout;
		return result;
	}
	if (!isStatementWord(first.text) || ts.isPunct(':', 1)) {
		const colon = ts.isPunct(':', 1);
		const next = ts.peek(colon ? 2 : 1);
		if (!colon && next && !(next.kind === 'ident' && isStatementWord(next.text))) {
			const hint = suggest(first.text, SUPPORTED_MNEMONICS);
			throw new AsmError(`unknown instruction '${first.text}'${hint ? ` — did you mean '${hint}'?` : ''}`, ts.spanOf(first));
		}
		if (!/^[A-Za-z_.?@$][A-Za-z0-9_.?@$#~]*$/.test(first.text) || first.text === '$' || first.text === '$$') {
			throw new AsmError(`'${first.text}' cannot be a label name`, ts.spanOf(first));
		}
		ts.next();
		if (colon) ts.next();
		const isEqu = ts.isWord('equ');
		result.label = { name: isEqu ? scope.qualify(first.text) : scope.define(first.text), span: ts.spanOf(first), colon };
		if (!colon && !next) result.orphanHint = suggest(first.text, SUPPORTED_MNEMONICS);
	}
	if (ts.atEnd()) return result;
	result.body = parseBody(ts, scope);
	if (result.body.kind === 'equ' && !result.label) throw new AsmError("'equ' needs a label: NAME equ value", result.body.span);
	return result;
}

/** Layout directives; undefined when the line is something else, null when handled with nothing to record. */
function parseLayout(ts: TokenStream, word: string): Layout | null | undefined {
	const span = ts.here();
	switch (word) {
		case 'bits': case 'use32': case 'use16': {
			ts.next();
			const bits = word === 'bits' ? ts.next()?.text : word.slice(3);
			if (bits !== '32') throw new AsmError(`only 32-bit code is supported: 'bits ${bits ?? ''}' cannot be assembled (write 'bits 32')`, span);
			return null;
		}
		case 'cpu': case 'default':
			return null;
		case 'org': {
			ts.next();
			const expr = parseExpression(ts);
			expectEnd(ts);
			return { kind: 'org', expr, span };
		}
		case 'section': case 'segment': {
			ts.next();
			const name = ts.next();
			if (!name || name.kind !== 'ident') throw new AsmError('section needs a name: section .text', span);
			const attributes: { align?: Expr; nobits?: boolean } = {};
			while (!ts.atEnd()) {
				const a = ts.next()!;
				const key = a.text.toLowerCase();
				if (key === 'align' && ts.isPunct('=')) { ts.next(); attributes.align = parseExpression(ts); }
				else if (key === 'nobits') attributes.nobits = true;
				else if (key === 'progbits') attributes.nobits = false;
				else throw new AsmError(`section attribute '${a.text}' is not supported (use align=N, progbits or nobits)`, ts.spanOf(a));
			}
			return { kind: 'section', name: name.text, attributes, span };
		}
		case 'global': case 'extern': case 'common': {
			ts.next();
			const names: string[] = [];
			while (!ts.atEnd()) {
				const t = ts.next()!;
				if (t.kind === 'ident') names.push(t.text);
				else if (!(t.kind === 'punct' && (t.text === ',' || t.text === ':'))) throw new AsmError(`expected a symbol name, found '${t.text}'`, ts.spanOf(t));
			}
			if (word === 'common') throw new AsmError("'common' cannot be used in a flat binary", span);
			return { kind: word, names, span };
		}
	}
	return undefined;
}

function expectEnd(ts: TokenStream): void {
	if (!ts.atEnd()) throw new AsmError(`unexpected '${ts.peek()!.text}' at the end of the line`, ts.here());
}

function parseBody(ts: TokenStream, scope: LabelScope): Body {
	const first = ts.peek()!;
	const span = ts.here();
	const word = first.kind === 'ident' ? first.text.toLowerCase() : '';
	const qualify = (e: Expr): Expr => mapSymbols(e, (n) => scope.qualify(n));
	if (word === 'equ') {
		ts.next();
		const expr = qualify(parseExpression(ts));
		expectEnd(ts);
		return { kind: 'equ', expr, span };
	}
	if (word === 'times') {
		ts.next();
		const count = qualify(parseExpression(ts));
		if (ts.atEnd()) throw new AsmError("'times' needs something to repeat: times 4 db 0", span);
		const body = parseBody(ts, scope);
		if (body.kind === 'equ') throw new AsmError("'equ' cannot be repeated", body.span);
		return { kind: 'times', count, body, span };
	}
	if (word === 'align' || word === 'alignb') {
		ts.next();
		const boundary = qualify(parseExpression(ts));
		let fill: Body | undefined;
		if (ts.isPunct(',')) {
			ts.next();
			fill = parseBody(ts, scope);
		}
		expectEnd(ts);
		return { kind: 'align', boundary, fill, reserve: word === 'alignb', span };
	}
	if (word in DATA_WIDTHS) {
		ts.next();
		return { kind: 'data', width: DATA_WIDTHS[word], items: parseDataItems(ts, qualify, word), span };
	}
	if (word in RESERVE_WIDTHS) {
		ts.next();
		const count = qualify(parseExpression(ts));
		expectEnd(ts);
		return { kind: 'reserve', width: RESERVE_WIDTHS[word], count, span };
	}
	const prefixes: string[] = [];
	while (ts.peek()?.kind === 'ident' && PREFIXES.includes(ts.peek()!.text.toLowerCase())) prefixes.push(ts.next()!.text.toLowerCase());
	const m = ts.next();
	if (!m) throw new AsmError(`'${prefixes[0]}' needs an instruction after it`, span);
	if (m.kind !== 'ident') throw new AsmError(`expected an instruction, found '${m.text}'`, ts.spanOf(m));
	const mSpan = ts.spanOf(m);
	const lower = m.text.toLowerCase();
	const isString = STRING_MNEMONICS.includes(lower);
	const mnemonic = isString ? lower : canonicalMnemonic(lower);
	if (!mnemonic) {
		const hint = suggest(m.text, [...SUPPORTED_MNEMONICS, ...DIRECTIVES]);
		throw new AsmError(`unknown instruction '${m.text}'${hint ? ` — did you mean '${hint}'?` : ''}`, mSpan);
	}
	const operands = parseOperands(ts).map((op) => qualifyOperand(op, qualify));
	const end = ts.tokens[ts.tokens.length - 1];
	return { kind: 'instruction', mnemonic, written: lower, prefixes, operands, string: isString, span: { ...span, endColumn: end.endColumn } };
}

function qualifyOperand(op: Operand, qualify: (e: Expr) => Expr): Operand {
	switch (op.kind) {
		case 'mem': return { ...op, address: qualify(op.address) };
		case 'imm': return { ...op, expr: qualify(op.expr) };
		case 'far-ptr': return { ...op, selector: qualify(op.selector), offset: qualify(op.offset) };
		default: return op;
	}
}

function parseDataItems(ts: TokenStream, qualify: (e: Expr) => Expr, word: string): DataItem[] {
	const items: DataItem[] = [];
	if (ts.atEnd()) throw new AsmError(`'${word}' needs at least one value`, ts.here());
	for (;;) {
		const t = ts.peek()!;
		const next = ts.peek(1);
		const alone = !next || (next.kind === 'punct' && next.text === ',');
		if (t.kind === 'string' && (alone || t.text.length > 4)) {
			ts.next();
			items.push({ kind: 'bytes', bytes: [...t.text].map((c) => c.charCodeAt(0)), span: ts.spanOf(t) });
		} else if (t.kind === 'number' && next?.kind === 'punct' && next.text === '.') {
			throw new AsmError('floating-point constants are not supported', ts.spanOf(t));
		} else {
			const expr = qualify(parseExpression(ts));
			items.push({ kind: 'expr', expr, span: expr.span });
		}
		if (ts.atEnd()) return items;
		if (!ts.isPunct(',')) throw new AsmError(`unexpected '${ts.peek()!.text}': expected ',' between values`, ts.here());
		ts.next();
	}
}
