// The debug console's expressions: registers, symbols, numbers, [address]
// dereference (a dword at a guest linear address), integer arithmetic and
// comparisons (for breakpoint conditions).
// A small precedence-climbing parser: no JS eval, results are 32-bit.

export interface ExpressionContext {
	register(name: string): number | undefined;
	symbol(name: string): number | undefined;
	/** The dword at a linear address, or undefined when it is not mapped. */
	readDword(address: number): number | undefined;
}

export class ExpressionError extends Error {
	constructor(message: string, readonly column: number) {
		super(`${message} (at column ${column})`);
	}
}

type Token = { kind: 'num'; value: number; at: number } | { kind: 'id'; name: string; at: number } | { kind: 'op'; op: string; at: number } | { kind: 'end'; at: number };

const OPERATORS = ['<<', '>>', '==', '!=', '<=', '>=', '<', '>', '+', '-', '*', '/', '%', '&', '|', '^', '~', '(', ')', '[', ']'];

function tokenize(text: string): Token[] {
	const tokens: Token[] = [];
	let i = 0;
	while (i < text.length) {
		const c = text[i];
		if (/\s/.test(c)) { i++; continue; }
		const word = /^[A-Za-z0-9_.$@?]+/.exec(text.slice(i));
		if (word) {
			tokens.push(wordToken(word[0], i + 1));
			i += word[0].length;
			continue;
		}
		const op = OPERATORS.find((o) => text.startsWith(o, i));
		if (!op) throw new ExpressionError(`unexpected character '${c}'`, i + 1);
		tokens.push({ kind: 'op', op, at: i + 1 });
		i += op.length;
	}
	tokens.push({ kind: 'end', at: text.length + 1 });
	return tokens;
}

function wordToken(word: string, at: number): Token {
	if (/^[0-9]/.test(word)) {
		let value: number;
		if (/^0x[0-9a-f]+$/i.test(word)) value = parseInt(word.slice(2), 16);
		else if (/^[0-9][0-9a-f]*h$/i.test(word)) value = parseInt(word.slice(0, -1), 16);
		else if (/^0b[01]+$/i.test(word)) value = parseInt(word.slice(2), 2);
		else if (/^[0-9]+$/.test(word)) value = parseInt(word, 10);
		else throw new ExpressionError(`'${word}' is not a number`, at);
		if (value > 0xffffffff) throw new ExpressionError(`${word} does not fit in 32 bits`, at);
		return { kind: 'num', value, at };
	}
	return { kind: 'id', name: word, at };
}

const BINARY: Record<string, { precedence: number; apply: (a: number, b: number, at: number) => number }> = {
	'|': { precedence: 1, apply: (a, b) => a | b },
	'^': { precedence: 2, apply: (a, b) => a ^ b },
	'&': { precedence: 3, apply: (a, b) => a & b },
	// Comparisons are unsigned, like addresses and registers: 1 or 0.
	'==': { precedence: 4, apply: (a, b) => Number(a >>> 0 === b >>> 0) },
	'!=': { precedence: 4, apply: (a, b) => Number(a >>> 0 !== b >>> 0) },
	'<': { precedence: 5, apply: (a, b) => Number(a >>> 0 < b >>> 0) },
	'>': { precedence: 5, apply: (a, b) => Number(a >>> 0 > b >>> 0) },
	'<=': { precedence: 5, apply: (a, b) => Number(a >>> 0 <= b >>> 0) },
	'>=': { precedence: 5, apply: (a, b) => Number(a >>> 0 >= b >>> 0) },
	'<<': { precedence: 6, apply: (a, b) => a << (b & 31) },
	'>>': { precedence: 6, apply: (a, b) => a >>> (b & 31) },
	'+': { precedence: 7, apply: (a, b) => a + b },
	'-': { precedence: 7, apply: (a, b) => a - b },
	'*': { precedence: 8, apply: (a, b) => Math.imul(a, b) },
	'/': { precedence: 8, apply: (a, b, at) => { if (b === 0) throw new ExpressionError('division by zero', at); return Math.floor((a >>> 0) / (b >>> 0)); } },
	'%': { precedence: 8, apply: (a, b, at) => { if (b === 0) throw new ExpressionError('division by zero', at); return (a >>> 0) % (b >>> 0); } },
};

/** Evaluates `text` to an unsigned 32-bit value. */
export function evaluateExpression(text: string, context: ExpressionContext): number {
	const tokens = tokenize(text);
	let pos = 0;
	const peek = (): Token => tokens[pos];
	const expectOp = (op: string): void => {
		const t = peek();
		if (t.kind !== 'op' || t.op !== op) throw new ExpressionError(`expected '${op}'`, t.at);
		pos++;
	};

	const primary = (): number => {
		const t = tokens[pos++];
		if (t.kind === 'num') return t.value;
		if (t.kind === 'id') {
			const reg = context.register(t.name.toLowerCase());
			if (reg !== undefined) return reg;
			const sym = context.symbol(t.name);
			if (sym !== undefined) return sym;
			throw new ExpressionError(`unknown register or symbol '${t.name}'`, t.at);
		}
		if (t.kind === 'op') {
			if (t.op === '(') { const v = binary(0); expectOp(')'); return v; }
			if (t.op === '[') {
				const address = binary(0) >>> 0;
				expectOp(']');
				const value = context.readDword(address);
				if (value === undefined) throw new ExpressionError(`cannot read guest memory at 0x${address.toString(16)}`, t.at);
				return value;
			}
			if (t.op === '-') return -primary();
			if (t.op === '+') return primary();
			if (t.op === '~') return ~primary();
		}
		throw new ExpressionError(t.kind === 'end' ? 'unexpected end of expression' : 'expected a number, register, symbol, ( or [', t.at);
	};

	const binary = (minPrecedence: number): number => {
		let left = primary();
		for (;;) {
			const t = peek();
			const info = t.kind === 'op' ? BINARY[t.op] : undefined;
			if (!info || info.precedence <= minPrecedence) return left;
			pos++;
			const right = binary(info.precedence);
			left = info.apply(left, right, t.at) | 0;
		}
	};

	const value = binary(0);
	const rest = peek();
	if (rest.kind !== 'end') throw new ExpressionError('unexpected text after the expression', rest.at);
	return value >>> 0;
}
