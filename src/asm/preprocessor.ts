// NASM's preprocessor, the part a small kernel uses: %define (with arguments),
// %undef, %assign, %include, %macro with %1..%n and %%locals, %rep, and
// %ifdef/%ifndef/%if/%else/%endif. Output is a stream of tokenized lines, each
// knowing where it came from so diagnostics and the source map point at the
// line the user wrote (the macro call for lines a macro produced).

import { dirname, resolve, isAbsolute } from 'node:path';
import { AsmError, AssemblyDiagnostic, diagnosticAt, Span } from './diagnostics';
import { evaluate, parseExpression, TokenStream } from './expression';
import { Token, tokenize } from './lexer';

export interface LogicalLine {
	tokens: Token[];
	file: string;
	line: number;
	/** Set for lines produced by a macro: the call, where diagnostics and the source map point. */
	macroCall?: { name: string; span: Span };
}

interface Define { params?: string[]; body: Token[] }

interface Macro {
	name: string;
	min: number;
	max: number;
	body: { text: string; line: number }[];
	file: string;
}

interface RawLine { text: string; file: string; line: number }

const MAX_DEPTH = 64;

export class Preprocessor {
	readonly lines: LogicalLine[] = [];
	readonly errors: AssemblyDiagnostic[] = [];
	private readonly defines = new Map<string, Define>();
	private readonly macros = new Map<string, Macro[]>();
	private expansionCounter = 0;
	/** Conditional stack: whether the current branch is live, and whether any branch was taken. */
	private readonly conditions: { live: boolean; taken: boolean; span: Span }[] = [];

	constructor(private readonly readFile: ((path: string) => string) | undefined) {}

	run(source: string, file: string): void {
		this.processSource(source, file, 0, undefined);
		for (const c of this.conditions) this.errors.push(diagnosticAt(c.span, "missing '%endif' for this conditional"));
	}

	private live(): boolean {
		return this.conditions.every((c) => c.live);
	}

	private processSource(source: string, file: string, depth: number, includeSpan: Span | undefined): void {
		if (depth > MAX_DEPTH) {
			if (includeSpan) this.errors.push(diagnosticAt(includeSpan, '%include nested too deeply (is a file including itself?)'));
			return;
		}
		const raw = source.split('\n').map((text, i): RawLine => ({ text, file, line: i + 1 }));
		this.processLines(raw, depth, undefined);
	}

	private processLines(raw: RawLine[], depth: number, macroCall: LogicalLine['macroCall']): void {
		for (let i = 0; i < raw.length; i++) {
			const r = raw[i];
			try {
				i = this.processLine(raw, i, depth, macroCall);
			} catch (e) {
				if (!(e instanceof AsmError)) throw e;
				const span = macroCall?.span ?? e.span ?? { file: r.file, line: r.line, column: 1, endColumn: r.text.length + 1 };
				const message = macroCall ? `in macro '${macroCall.name}': ${e.message}` : e.message;
				this.errors.push(diagnosticAt(span, message));
			}
		}
	}

	/** Handles raw[index] (and any block it opens); returns the index of the last line consumed. */
	private processLine(raw: RawLine[], index: number, depth: number, macroCall: LogicalLine['macroCall']): number {
		const r = raw[index];
		const tokens = tokenize(r.text, r.file, r.line);
		if (tokens.length === 0) return index;
		const first = tokens[0];
		const directive = first.kind === 'ident' && first.text.startsWith('%') ? first.text.toLowerCase() : undefined;
		const ts = new TokenStream(tokens, r.file, r.line);
		const span = ts.spanOf(first);
		if (directive && this.conditional(directive, tokens, ts, span)) return index;
		if (!this.live()) return index;
		switch (directive) {
			case undefined: break;
			case '%define': case '%xdefine': case '%idefine': case '%xidefine':
				this.define(tokens, span);
				return index;
			case '%undef':
				if (tokens[1]?.kind !== 'ident') throw new AsmError('%undef needs a macro name', span);
				this.defines.delete(tokens[1].text);
				return index;
			case '%assign': case '%iassign': {
				const name = tokens[1];
				if (name?.kind !== 'ident') throw new AsmError('%assign needs a name and a value', span);
				const value = this.constantExpression(tokens.slice(2), r, span);
				this.defines.set(name.text, { body: [{ kind: 'number', text: String(value), value: BigInt(value >>> 0), column: name.column, endColumn: name.endColumn }] });
				return index;
			}
			case '%include': {
				const path = tokens[1];
				if (path?.kind !== 'string') throw new AsmError('%include needs a quoted file name: %include "file.inc"', span);
				this.include(path.text, r.file, ts.spanOf(path), depth);
				return index;
			}
			case '%macro': case '%imacro':
				return this.defineMacro(raw, index, tokens, span);
			case '%endmacro':
				throw new AsmError("'%endmacro' without '%macro'", span);
			case '%rep':
				return this.repeat(raw, index, tokens, span, depth, macroCall);
			case '%endrep':
				throw new AsmError("'%endrep' without '%rep'", span);
			case '%error':
				throw new AsmError(tokens.slice(1).map((t) => t.text).join(' ') || '%error', span);
			case '%warning':
				return index;
			default:
				if (!/^%[0-9]/.test(directive)) throw new AsmError(`unknown preprocessor directive '${first.text}'`, span);
		}
		const expanded = this.expandDefines(tokens, 0);
		const macroIndex = expanded[0]?.kind === 'ident' && expanded[1]?.kind === 'punct' && expanded[1].text === ':' ? 2 : 0;
		const head = expanded[macroIndex];
		if (head?.kind === 'ident' && this.macros.has(head.text.toLowerCase())) {
			if (macroIndex > 0) this.lines.push({ tokens: expanded.slice(0, 2), file: r.file, line: r.line, macroCall });
			this.invoke(head, r, expanded.slice(macroIndex + 1), depth, macroCall);
			return index;
		}
		this.lines.push({ tokens: expanded, file: r.file, line: r.line, macroCall });
		return index;
	}

	/** %if family; returns true when the line was one of them. */
	private conditional(directive: string, tokens: Token[], ts: TokenStream, span: Span): boolean {
		const parentLive = () => this.conditions.slice(0, -1).every((c) => c.live);
		switch (directive) {
			case '%ifdef': case '%ifndef': {
				if (tokens[1]?.kind !== 'ident') throw new AsmError(`${directive} needs a macro name`, span);
				const defined = this.defines.has(tokens[1].text);
				const live = this.live() && defined === (directive === '%ifdef');
				this.conditions.push({ live, taken: live, span });
				return true;
			}
			case '%if': {
				const live = this.live() && this.constantExpression(tokens.slice(1), { file: ts.file, line: ts.line, text: '' }, span) !== 0;
				this.conditions.push({ live, taken: live, span });
				return true;
			}
			case '%else': {
				const top = this.conditions[this.conditions.length - 1];
				if (!top) throw new AsmError("'%else' without '%if'", span);
				top.live = !top.taken && parentLive();
				top.taken = true;
				return true;
			}
			case '%endif':
				if (!this.conditions.pop()) throw new AsmError("'%endif' without '%if'", span);
				return true;
			default:
				return false;
		}
	}

	private constantExpression(tokens: Token[], r: RawLine, span: Span): number {
		const expanded = this.expandDefines(tokens, 0);
		if (expanded.length === 0) throw new AsmError('expected an expression', span);
		const ts = new TokenStream(expanded, r.file, r.line);
		const expr = parseExpression(ts);
		if (!ts.atEnd()) throw new AsmError(`unexpected '${ts.peek()!.text}' after the expression`, ts.here());
		const value = evaluate(expr, {
			lookup: () => undefined,
			here: () => { throw new AsmError("'$' cannot be used in a preprocessor expression", span); },
			sectionStart: () => { throw new AsmError("'$$' cannot be used in a preprocessor expression", span); },
			undefinedSymbol: (name, where) => { throw new AsmError(`'${name}' is not a preprocessor constant`, where); },
		});
		return value.n;
	}

	private define(tokens: Token[], span: Span): void {
		const name = tokens[1];
		if (name?.kind !== 'ident') throw new AsmError('%define needs a name: %define NAME value', span);
		let bodyStart = 2;
		let params: string[] | undefined;
		const open = tokens[2];
		if (open?.kind === 'punct' && open.text === '(' && open.column === name.endColumn) {
			params = [];
			let i = 3;
			while (i < tokens.length && !(tokens[i].kind === 'punct' && tokens[i].text === ')')) {
				if (tokens[i].kind === 'ident') params.push(tokens[i].text);
				else if (!(tokens[i].kind === 'punct' && tokens[i].text === ',')) throw new AsmError(`unexpected '${tokens[i].text}' in %define parameters`, span);
				i++;
			}
			if (i >= tokens.length) throw new AsmError("missing ')' after %define parameters", span);
			bodyStart = i + 1;
		}
		this.defines.set(name.text, { params, body: tokens.slice(bodyStart) });
	}

	/** Replaces defined names in a token list (recursively, with a depth limit for self-reference). */
	private expandDefines(tokens: Token[], depth: number): Token[] {
		if (this.defines.size === 0) return tokens;
		const out: Token[] = [];
		for (let i = 0; i < tokens.length; i++) {
			const t = tokens[i];
			const d = t.kind === 'ident' ? this.defines.get(t.text) : undefined;
			if (!d || depth > 32) { out.push(t); continue; }
			const place = (b: Token): Token => ({ ...b, column: t.column, endColumn: t.endColumn });
			if (!d.params) {
				out.push(...this.expandDefines(d.body.map(place), depth + 1));
				continue;
			}
			if (!(tokens[i + 1]?.kind === 'punct' && tokens[i + 1].text === '(')) { out.push(t); continue; }
			const args: Token[][] = [[]];
			let level = 0;
			let j = i + 2;
			for (; j < tokens.length; j++) {
				const a = tokens[j];
				if (a.kind === 'punct' && a.text === '(') level++;
				if (a.kind === 'punct' && a.text === ')') { if (level === 0) break; level--; }
				if (a.kind === 'punct' && a.text === ',' && level === 0) { args.push([]); continue; }
				args[args.length - 1].push(a);
			}
			if (j >= tokens.length) throw new AsmError(`missing ')' in the call of '${t.text}'`, { file: '', line: 0, column: t.column, endColumn: t.endColumn });
			const body = d.body.flatMap((b) => {
				const k = b.kind === 'ident' ? d.params!.indexOf(b.text) : -1;
				return k >= 0 ? (args[k] ?? []) : [b];
			});
			out.push(...this.expandDefines(body.map(place), depth + 1));
			i = j;
		}
		return out;
	}

	private include(path: string, from: string, span: Span, depth: number): void {
		if (!this.readFile) throw new AsmError(`cannot include '${path}': no file access was given to the assembler`, span);
		const full = isAbsolute(path) ? path : resolve(dirname(from), path);
		let text: string;
		try {
			text = this.readFile(full);
		} catch {
			throw new AsmError(`cannot read included file '${path}' (looked for ${full})`, span);
		}
		this.processSource(text, full, depth + 1, span);
	}

	private collectBlock(raw: RawLine[], index: number, open: RegExp, close: RegExp, span: Span, closeName: string): number {
		let nesting = 0;
		for (let j = index + 1; j < raw.length; j++) {
			const text = raw[j].text.trim().toLowerCase();
			if (open.test(text)) nesting++;
			else if (close.test(text)) {
				if (nesting === 0) return j;
				nesting--;
			}
		}
		throw new AsmError(`missing '${closeName}' for this block`, span);
	}

	private defineMacro(raw: RawLine[], index: number, tokens: Token[], span: Span): number {
		const end = this.collectBlock(raw, index, /^%i?macro\b/, /^%endmacro\b/, span, '%endmacro');
		const name = tokens[1];
		if (name?.kind !== 'ident') throw new AsmError('%macro needs a name and a parameter count: %macro name 2', span);
		const count = tokens.slice(2).map((t) => t.text).join('');
		const m = /^(\d+)(?:-(\d+|\*))?(\+)?$/.exec(count || '0');
		if (!m) throw new AsmError(`invalid parameter count '${count}': write N, N-M, N-* or N+`, span);
		const min = Number(m[1]);
		const max = m[2] === '*' || m[3] ? Infinity : m[2] ? Number(m[2]) : min;
		const macro: Macro = { name: name.text, min, max, body: raw.slice(index + 1, end).map((l) => ({ text: l.text, line: l.line })), file: raw[index].file };
		const key = name.text.toLowerCase();
		this.macros.set(key, [...(this.macros.get(key) ?? []).filter((o) => o.min !== min || o.max !== max), macro]);
		return end;
	}

	private repeat(raw: RawLine[], index: number, tokens: Token[], span: Span, depth: number, macroCall: LogicalLine['macroCall']): number {
		const end = this.collectBlock(raw, index, /^%rep\b/, /^%endrep\b/, span, '%endrep');
		const count = this.constantExpression(tokens.slice(1), raw[index], span);
		if (count < 0 || count > 1_000_000) throw new AsmError(`%rep count ${count} is out of range`, span);
		const body = raw.slice(index + 1, end);
		for (let k = 0; k < count; k++) this.processLines(body, depth + 1, macroCall);
		return end;
	}

	private invoke(head: Token, r: RawLine, argTokens: Token[], depth: number, outerCall: LogicalLine['macroCall']): void {
		const headSpan: Span = { file: r.file, line: r.line, column: head.column, endColumn: head.endColumn };
		if (depth > MAX_DEPTH) throw new AsmError(`macro '${head.text}' expands too deeply (does it call itself?)`, headSpan);
		const args = splitArguments(r.text, argTokens);
		const candidates = this.macros.get(head.text.toLowerCase())!;
		const macro = candidates.find((c) => args.length >= c.min && args.length <= c.max);
		if (!macro) {
			const want = candidates.map((c) => (c.max === c.min ? `${c.min}` : c.max === Infinity ? `at least ${c.min}` : `${c.min} to ${c.max}`)).join(' or ');
			throw new AsmError(`macro '${head.text}' takes ${want} parameter(s), got ${args.length}`, headSpan);
		}
		if (macro.max === Infinity && args.length > macro.min && macro.min > 0) {
			args.splice(macro.min - 1, args.length, args.slice(macro.min - 1).join(', '));
		}
		const id = ++this.expansionCounter;
		const call = outerCall ?? { name: macro.name, span: headSpan };
		const body = macro.body.map((b): RawLine => ({
			text: b.text
				.replace(/%%([A-Za-z_.?@$][A-Za-z0-9_.?@$#~]*)/g, (_, n: string) => `..@${id}.${n}`)
				.replace(/%\{(\d+)\}|%(\d+)/g, (_, a: string | undefined, b2: string | undefined) => {
					const k = Number(a ?? b2);
					return k === 0 ? String(args.length) : args[k - 1] ?? '';
				}),
			file: macro.file,
			line: b.line,
		}));
		this.processLines(body, depth + 1, call);
	}
}

/** Macro arguments are the comma-separated source text after the macro name ({} groups one with commas). */
function splitArguments(text: string, tokens: Token[]): string[] {
	if (tokens.length === 0) return [];
	const source = text.slice(tokens[0].column - 1, tokens[tokens.length - 1].endColumn - 1);
	const args: string[] = [];
	let current = '';
	let level = 0;
	let quote = '';
	for (const c of source) {
		if (quote) { current += c; if (c === quote) quote = ''; continue; }
		if (c === '"' || c === "'" || c === '`') { quote = c; current += c; continue; }
		if (c === '{' && level++ === 0) continue;
		if (c === '}' && --level === 0) continue;
		if ((c === '(' || c === '[')) level++;
		if ((c === ')' || c === ']')) level--;
		if (c === ',' && level === 0) { args.push(current.trim()); current = ''; continue; }
		current += c;
	}
	args.push(current.trim());
	return args;
}

