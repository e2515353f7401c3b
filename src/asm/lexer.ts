// Splits one NASM source line into tokens, remembering each token's columns so
// diagnostics point at the exact operand.

import { AsmError, Span } from './diagnostics';

export type TokenKind = 'ident' | 'number' | 'string' | 'punct' | 'local-param';

export interface Token {
	kind: TokenKind;
	/** For identifiers the text as written; for numbers the source text; for strings the decoded bytes as a latin-1 string. */
	text: string;
	/** Numbers: the value. */
	value?: bigint;
	/** Strings: the quote character used. */
	quote?: string;
	/** 1-based start column and exclusive end column in the source line. */
	column: number;
	endColumn: number;
}

const IDENT_START = /[A-Za-z_.?@$]/;
const IDENT_PART = /[A-Za-z0-9_.?@$#~]/;
const TWO_CHAR_PUNCT = new Set(['<<', '>>', '//', '%%', '==', '!=', '<=', '>=', '&&', '||', '<>']);

/** Position of a `;` comment outside strings, or the line length. */
export function commentStart(text: string): number {
	let quote = '';
	for (let i = 0; i < text.length; i++) {
		const c = text[i];
		if (quote) {
			if (c === '\\' && quote === '`') i++;
			else if (c === quote) quote = '';
		} else if (c === '"' || c === "'" || c === '`') quote = c;
		else if (c === ';') return i;
	}
	return text.length;
}

export function tokenize(text: string, file: string, line: number): Token[] {
	const tokens: Token[] = [];
	const end = commentStart(text);
	let i = 0;
	const span = (start: number, stop: number): Span => ({ file, line, column: start + 1, endColumn: stop + 1 });
	while (i < end) {
		const c = text[i];
		if (c === ' ' || c === '\t' || c === '\r') { i++; continue; }
		const start = i;
		if (c === '"' || c === "'" || c === '`') {
			const { value, next } = readString(text, i, end, span);
			tokens.push({ kind: 'string', text: value, quote: c, column: start + 1, endColumn: next + 1 });
			i = next;
			continue;
		}
		if (/[0-9]/.test(c)) {
			while (i < end && /[0-9A-Za-z_.]/.test(text[i])) i++;
			const raw = text.slice(start, i);
			tokens.push({ kind: 'number', text: raw, value: parseNumber(raw, span(start, i)), column: start + 1, endColumn: i + 1 });
			continue;
		}
		if (c === '%' && text[i + 1] === '%' && i + 2 < end && IDENT_START.test(text[i + 2])) {
			i += 2;
			while (i < end && IDENT_PART.test(text[i])) i++;
			tokens.push({ kind: 'local-param', text: text.slice(start, i), column: start + 1, endColumn: i + 1 });
			continue;
		}
		if (c === '%' && i + 1 < end && /[0-9A-Za-z]/.test(text[i + 1]) && (tokens.length === 0 || /^[0-9]/.test(text[i + 1]))) {
			i++;
			while (i < end && /[0-9A-Za-z_]/.test(text[i])) i++;
			tokens.push({ kind: 'ident', text: text.slice(start, i), column: start + 1, endColumn: i + 1 });
			continue;
		}
		if (IDENT_START.test(c)) {
			while (i < end && IDENT_PART.test(text[i])) i++;
			tokens.push({ kind: 'ident', text: text.slice(start, i), column: start + 1, endColumn: i + 1 });
			continue;
		}
		const two = text.slice(i, i + 2);
		if (TWO_CHAR_PUNCT.has(two)) {
			tokens.push({ kind: 'punct', text: two, column: start + 1, endColumn: start + 3 });
			i += 2;
			continue;
		}
		if ('[](),:+-*/%&|^~!<>={}'.includes(c)) {
			tokens.push({ kind: 'punct', text: c, column: start + 1, endColumn: start + 2 });
			i++;
			continue;
		}
		throw new AsmError(`unexpected character '${c}'`, span(start, start + 1));
	}
	return tokens;
}

function parseNumber(raw: string, where: Span): bigint {
	const text = raw.replace(/_/g, '').toLowerCase();
	let digits: string;
	let radix: number;
	if (/^0[xh]/.test(text)) { digits = text.slice(2); radix = 16; }
	else if (/^0[by]/.test(text)) { digits = text.slice(2); radix = 2; }
	else if (/^0[oq]/.test(text)) { digits = text.slice(2); radix = 8; }
	else if (/^0[dt]/.test(text)) { digits = text.slice(2); radix = 10; }
	else if (/^[0-9][0-9a-f]*h$/.test(text)) { digits = text.slice(0, -1); radix = 16; }
	else if (/^[01]+[by]$/.test(text)) { digits = text.slice(0, -1); radix = 2; }
	else if (/^[0-7]+[oq]$/.test(text)) { digits = text.slice(0, -1); radix = 8; }
	else if (/^[0-9]+d$/.test(text)) { digits = text.slice(0, -1); radix = 10; }
	else { digits = text; radix = 10; }
	const valid = { 2: /^[01]+$/, 8: /^[0-7]+$/, 10: /^[0-9]+$/, 16: /^[0-9a-f]+$/ }[radix as 2 | 8 | 10 | 16];
	if (!valid.test(digits)) throw new AsmError(`invalid number '${raw}'`, where);
	let value = 0n;
	const big = BigInt(radix);
	for (const d of digits) value = value * big + BigInt(parseInt(d, 16));
	return value;
}

const SIMPLE_ESCAPES: Record<string, number> = {
	n: 10, t: 9, r: 13, '0': 0, a: 7, b: 8, f: 12, v: 11, e: 27, '\\': 92, "'": 39, '"': 34, '`': 96, '?': 63,
};

/** Reads a quoted string starting at `start`; backquoted strings take C-style escapes (NASM's rule). */
function readString(text: string, start: number, end: number, span: (a: number, b: number) => Span): { value: string; next: number } {
	const quote = text[start];
	let i = start + 1;
	let out = '';
	while (i < end && text[i] !== quote) {
		if (quote === '`' && text[i] === '\\' && i + 1 < end) {
			const e = text[i + 1];
			if (e === 'x' && /[0-9a-fA-F]/.test(text[i + 2] ?? '')) {
				let j = i + 2;
				while (j < i + 4 && /[0-9a-fA-F]/.test(text[j] ?? '')) j++;
				out += String.fromCharCode(parseInt(text.slice(i + 2, j), 16));
				i = j;
			} else if (/[0-7]/.test(e)) {
				let j = i + 1;
				while (j < i + 4 && /[0-7]/.test(text[j] ?? '')) j++;
				out += String.fromCharCode(parseInt(text.slice(i + 1, j), 8) & 0xff);
				i = j;
			} else if (e === 'u' || e === 'U') {
				const len = e === 'u' ? 4 : 8;
				const hex = text.slice(i + 2, i + 2 + len);
				if (!/^[0-9a-fA-F]+$/.test(hex) || hex.length !== len) throw new AsmError(`invalid \\${e} escape`, span(i, i + 2));
				out += Buffer.from(String.fromCodePoint(parseInt(hex, 16)), 'utf8').toString('latin1');
				i += 2 + len;
			} else if (e in SIMPLE_ESCAPES) {
				out += String.fromCharCode(SIMPLE_ESCAPES[e]);
				i += 2;
			} else {
				out += e;
				i += 2;
			}
			continue;
		}
		out += Buffer.from(text[i], 'utf8').toString('latin1');
		i++;
	}
	if (i >= end) throw new AsmError(`unterminated string: add the closing ${quote}`, span(start, end));
	return { value: out, next: i + 1 };
}
