// The passes. Each pass walks every statement, giving labels the offsets of
// the previous pass and sizing instructions with them; short branches that do
// not fit become near (and stay near), so sizes only grow and the passes
// settle. A last pass emits bytes and reports every diagnostic.

import { SourceMap, SymbolTable } from '../symbols/source-map';
import { AsmError, AssemblyDiagnostic, diagnosticAt, Span, UndefinedSymbolError } from './diagnostics';
import { evaluate, EvalContext, Expr, Value } from './expression';
import { encodeInstruction, encodeStringInstruction, lengthKey, ResolvedOperand } from './encoder';
import { Operand, resolveAddress } from './operands';
import { LogicalLine, Preprocessor } from './preprocessor';
import { Section, SectionList } from './sections';
import { Body, LabelScope, Layout, parseLine, ParsedLine } from './statements';

export interface AssemblyResult {
	ok: boolean;
	image: Uint8Array;
	origin: number;
	symbols: SymbolTable;
	sourceMap: SourceMap;
	errors: AssemblyDiagnostic[];
	warnings: AssemblyDiagnostic[];
}

export interface AssembleOptions {
	/** Absolute path of the source, used in diagnostics, the source map and to resolve %include. */
	file: string;
	readFile?: (path: string) => string;
}

interface Statement {
	line: LogicalLine;
	parsed: ParsedLine;
	section: Section;
	/** Sizing state of a branch (per repetition for `times`). */
	forceNear: boolean[];
	lastSize: number;
	/** Length of the instruction and what it depended on, so passes that only size need not re-encode. */
	sized?: { key: string; length: number };
}

interface SymbolRecord { value: Value; pass: number; line: LogicalLine; isLabel: boolean }

const MAX_PASSES = 30;
const BRANCH_MNEMONICS = /^(j|loop|call$)/;

export function assemble(source: string, options: AssembleOptions): AssemblyResult {
	return new Assembly(options).run(source);
}

class Assembly {
	private readonly errors: AssemblyDiagnostic[] = [];
	private readonly warnings: AssemblyDiagnostic[] = [];
	private readonly sections = new SectionList();
	private readonly statements: Statement[] = [];
	private readonly symbols = new Map<string, SymbolRecord>();
	private readonly sourceMap = new SourceMap();
	private origin = 0;
	private pass = 0;
	private final = false;
	private changed = false;

	constructor(private readonly options: AssembleOptions) {}

	run(source: string): AssemblyResult {
		const pre = new Preprocessor(this.options.readFile);
		pre.run(source.replace(/\r\n?/g, '\n'), this.options.file);
		this.errors.push(...pre.errors);
		this.parse(pre.lines);
		for (this.pass = 0; this.pass < MAX_PASSES; this.pass++) {
			this.changed = false;
			this.runPass();
			if (this.sections.layout(this.origin)) this.changed = true;
			if (!this.changed && this.pass > 0) break;
		}
		if (this.pass === MAX_PASSES) this.errors.push({ file: this.options.file, line: 1, column: 1, message: `label addresses did not settle after ${MAX_PASSES} passes` });
		this.final = true;
		this.pass++;
		this.runPass();
		const image = this.errors.length === 0 ? this.sections.image(this.origin) : new Uint8Array(0);
		return {
			ok: this.errors.length === 0,
			image,
			origin: this.origin,
			symbols: this.symbolTable(),
			sourceMap: this.sourceMap,
			errors: sortDiagnostics(this.errors),
			warnings: sortDiagnostics(this.warnings),
		};
	}

	private report(line: LogicalLine, e: unknown, into = this.errors): void {
		if (!(e instanceof AsmError)) throw e;
		const span: Span = line.macroCall?.span ?? e.span ?? { file: line.file, line: line.line, column: 1, endColumn: 2 };
		const diagnostic = diagnosticAt(span.file ? span : { ...span, file: line.file }, line.macroCall ? `in macro '${line.macroCall.name}': ${e.message}` : e.message);
		if (e instanceof UndefinedSymbolError) diagnostic.undefinedSymbol = e.symbol;
		into.push(diagnostic);
	}

	private parse(lines: LogicalLine[]): void {
		const scope = new LabelScope();
		let section = this.sections.get('.text');
		let originSet: Span | undefined;
		for (const line of lines) {
			try {
				const parsed = parseLine(line.tokens, line.file, line.line, scope);
				if (parsed.layout) {
					section = this.applyLayout(parsed.layout, section, originSet);
					if (parsed.layout.kind === 'org') originSet = parsed.layout.span;
					continue;
				}
				if (parsed.orphanHint) {
					this.report(line, new AsmError(`label '${parsed.label!.name}' alone on a line without a colon — did you mean the instruction '${parsed.orphanHint}'?`, parsed.label!.span), this.warnings);
				}
				if (parsed.label || parsed.body) this.statements.push({ line, parsed, section, forceNear: [], lastSize: 0 });
			} catch (e) {
				this.report(line, e);
			}
		}
	}

	private applyLayout(layout: Layout, section: Section, originSet: Span | undefined): Section {
		switch (layout.kind) {
			case 'section': {
				const s = this.sections.get(layout.name);
				if (layout.attributes.nobits !== undefined) s.nobits = layout.attributes.nobits;
				if (layout.attributes.align) s.align = this.constantAt(layout.attributes.align, 'section alignment');
				if (!isPowerOfTwo(s.align)) throw new AsmError(`section alignment ${s.align} is not a power of two`, layout.span);
				return s;
			}
			case 'org':
				if (originSet) throw new AsmError(`'org' was already given at line ${originSet.line}: a flat binary has one origin`, layout.span);
				this.origin = this.constantAt(layout.expr, "'org'") >>> 0;
				return section;
			case 'extern':
				throw new AsmError(`'extern' cannot be used in a flat binary: define ${layout.names.map((n) => `'${n}'`).join(', ')} in this program`, layout.span);
			case 'global':
				return section;
		}
	}

	/** A value needed while parsing (org, section alignment): numbers only. */
	private constantAt(expr: Expr, what: string): number {
		const v = evaluate(expr, {
			lookup: () => undefined,
			here: () => { throw new AsmError(`${what} must be a constant`, expr.span); },
			sectionStart: () => { throw new AsmError(`${what} must be a constant`, expr.span); },
			undefinedSymbol: () => { throw new AsmError(`${what} must be a constant`, expr.span); },
		});
		return v.n;
	}

	private runPass(): void {
		for (const s of this.sections.all) { s.size = 0; s.bytes = []; }
		for (const st of this.statements) {
			const section = st.section;
			const start = section.size;
			try {
				if (st.parsed.label && st.parsed.body?.kind !== 'equ') this.defineSymbol(st.parsed.label.name, { n: start, section, unknown: false }, st, true);
				if (st.parsed.body) this.statement(st, st.parsed.body, section, 0);
				st.lastSize = section.size - start;
			} catch (e) {
				if (this.final) this.report(st.line, e);
				// Keep the layout stable when a line cannot be sized yet.
				section.size = start + st.lastSize;
				if (this.final && !section.nobits) section.bytes.length = section.size;
			}
		}
	}

	private defineSymbol(name: string, value: Value, st: Statement, isLabel: boolean): void {
		const previous = this.symbols.get(name);
		if (previous && previous.pass === this.pass) {
			const where = previous.line.macroCall?.span ?? { file: previous.line.file, line: previous.line.line };
			throw new AsmError(`'${name}' is already defined (at ${where.file === st.line.file ? '' : `${where.file}:`}line ${where.line})`, st.parsed.label!.span);
		}
		if (!previous || previous.value.n !== value.n || previous.value.section !== value.section || previous.value.unknown !== value.unknown) this.changed = true;
		this.symbols.set(name, { value, pass: this.pass, line: st.line, isLabel });
	}

	/** One evaluation context, re-aimed at each statement (cheaper than fresh closures on every line of every pass). */
	private readonly where = { section: undefined as unknown as Section, here: 0, branch: false };
	private readonly evalContext: EvalContext = {
		lookup: (name) => this.symbols.get(name)?.value,
		here: () => ({ n: this.where.here, section: this.where.section, unknown: false }),
		sectionStart: () => ({ n: 0, section: this.where.section, unknown: false }),
		undefinedSymbol: (name, span) => {
			if (this.final) throw new UndefinedSymbolError(this.where.branch ? `jump target '${name}' is not defined` : `symbol '${name}' is not defined`, name, span);
		},
	};

	private context(section: Section, branch: boolean): EvalContext {
		this.where.section = section;
		this.where.here = section.size;
		this.where.branch = branch;
		return this.evalContext;
	}

	private count(expr: Expr, ctx: EvalContext, what: string): number {
		const v = evaluate(expr, ctx);
		if (v.unknown) {
			if (this.final) throw new AsmError(`${what} must be a constant`, expr.span);
			return 0;
		}
		if (v.section) throw new AsmError(`${what} must be a constant, not an address`, expr.span);
		if (v.n < 0) throw new AsmError(`${what} is negative (${v.n})`, expr.span);
		return v.n;
	}

	private statement(st: Statement, body: Body, section: Section, repetition: number): void {
		const ctx = this.context(section, body.kind === 'instruction' && BRANCH_MNEMONICS.test(body.mnemonic));
		switch (body.kind) {
			case 'equ': {
				const v = evaluate(body.expr, ctx);
				this.defineSymbol(st.parsed.label!.name, v, st, false);
				return;
			}
			case 'times': {
				const n = this.count(body.count, ctx, "'times' count");
				if (body.body.kind === 'data' && this.final && n > 0) this.mapLine(st, section);
				for (let i = 0; i < n; i++) this.statement(st, body.body, section, i);
				return;
			}
			case 'reserve': {
				const n = this.count(body.count, ctx, `'res${['b', 'w', 'd', 'q'][Math.log2(body.width)]}' count`);
				this.emitReserved(section, n * body.width, body.span);
				return;
			}
			case 'align': {
				const boundary = this.count(body.boundary, ctx, 'alignment');
				if (!isPowerOfTwo(boundary)) throw new AsmError(`alignment ${boundary} is not a power of two`, body.boundary.span);
				section.align = Math.max(section.align, boundary);
				const pad = (boundary - (section.size % boundary)) % boundary;
				if (body.reserve || section.nobits) { this.emitReserved(section, pad, body.span); return; }
				if (!body.fill) { this.emit(section, new Array<number>(pad).fill(0x90), body.span); return; }
				for (let i = 0; i < pad; i++) this.statement(st, body.fill, section, i);
				return;
			}
			case 'data':
				if (this.final && repetition === 0 && st.parsed.body === body) this.mapLine(st, section);
				this.emit(section, this.dataBytes(body, ctx), body.span);
				return;
			case 'instruction': {
				if (this.final) this.mapLine(st, section);
				this.emit(section, this.instructionBytes(st, body, section, repetition, ctx), body.span);
				return;
			}
		}
	}

	private mapLine(st: Statement, section: Section): void {
		const at = st.line.macroCall?.span ?? st.line;
		this.sourceMap.add(section.start + section.size, at.file, at.line);
	}

	private emit(section: Section, bytes: ArrayLike<number>, span: Span): void {
		if (section.nobits) {
			if (bytes.length > 0 && this.final) this.warnings.push(diagnosticAt(span, `section '${section.name}' holds no data: these ${bytes.length} byte(s) only reserve space`));
			section.size += bytes.length;
			return;
		}
		if (this.final) for (let i = 0; i < bytes.length; i++) section.bytes.push(bytes[i]);
		section.size += bytes.length;
	}

	private emitReserved(section: Section, n: number, span: Span): void {
		if (!section.nobits) {
			if (this.final && n > 0) {
				this.warnings.push(diagnosticAt(span, `reserving space in '${section.name}', which holds data: filled with zeros`));
				for (let i = 0; i < n; i++) section.bytes.push(0);
			}
		}
		section.size += n;
	}

	private absolute = (v: Value): number => (v.section ? (v.section as Section).start + v.n : v.n) | 0;

	private dataBytes(body: Extract<Body, { kind: 'data' }>, ctx: EvalContext): number[] {
		const out: number[] = [];
		for (const item of body.items) {
			if (item.kind === 'bytes') {
				out.push(...item.bytes);
				if (body.width > 1) for (let pad = item.bytes.length % body.width; pad > 0 && pad < body.width; pad++) out.push(0);
				continue;
			}
			const v = evaluate(item.expr, ctx);
			if (body.width === 8 && item.expr.kind === 'num' && item.expr.wide !== undefined) {
				pushLittleEndian(out, BigInt.asUintN(64, item.expr.wide), 8);
				continue;
			}
			const n = this.absolute(v);
			if (!v.unknown && body.width < 4) {
				const limit = body.width === 1 ? 0xff : 0xffff;
				// An address is written as the flat image places it (NASM -f bin): it must fit unsigned.
				if (v.section && (n < 0 || n > limit)) throw new AsmError(`address 0x${(n >>> 0).toString(16)} does not fit in a ${body.width === 1 ? 'byte' : 'word'}`, item.span);
				if (n < -((limit + 1) >> 1) || n > limit) throw new AsmError(`value ${n} does not fit in a ${body.width === 1 ? 'byte' : 'word'}`, item.span);
			}
			pushLittleEndian(out, body.width === 8 ? BigInt.asUintN(64, BigInt(v.section ? n >>> 0 : n)) : BigInt(n >>> 0), body.width);
		}
		return out;
	}

	private instructionBytes(st: Statement, body: Extract<Body, { kind: 'instruction' }>, section: Section, repetition: number, ctx: EvalContext): ArrayLike<number> {
		if (body.string) return encodeStringInstruction(body.mnemonic, body.prefixes, body.operands.length, body.span);
		const operands = body.operands.map((op) => this.resolveOperand(op, ctx));
		const branch = BRANCH_MNEMONICS.test(body.mnemonic);
		const key = branch || repetition > 0 ? '' : lengthKey({ mnemonic: body.mnemonic, operands, prefixes: body.prefixes });
		if (!this.final && key && st.sized?.key === key) return new Uint8Array(st.sized.length);
		const encoded = encodeInstruction({
			mnemonic: body.mnemonic,
			written: body.written,
			operands,
			prefixes: body.prefixes,
			ip: section.start + section.size,
			absolute: this.absolute,
			sameSection: (v) => v.section === section,
			forceNear: st.forceNear[repetition] ?? false,
			span: body.span,
		});
		if (encoded.grewNear) {
			st.forceNear[repetition] = true;
			this.changed = true;
		}
		if (key) st.sized = { key, length: encoded.bytes.length };
		return encoded.bytes;
	}

	private resolveOperand(op: Operand, ctx: EvalContext): ResolvedOperand {
		switch (op.kind) {
			case 'reg': return op;
			case 'mem': return { kind: 'mem', size: op.size, far: op.far, segment: op.segment, address: resolveAddress(op.address, ctx), span: op.span };
			case 'imm': return { kind: 'imm', value: evaluate(op.expr, ctx), size: op.size, strict: op.strict, jump: op.jump, span: op.span };
			case 'far-ptr': {
				const selector = evaluate(op.selector, ctx);
				if (selector.section && !selector.unknown) throw new AsmError('the selector of a far pointer must be a number', op.selector.span);
				return { kind: 'far-ptr', selector, offset: evaluate(op.offset, ctx), span: op.span };
			}
		}
	}

	private symbolTable(): SymbolTable {
		const table = new SymbolTable();
		const labels = [...this.symbols]
			.filter(([name, r]) => r.isLabel && !name.startsWith('..@') && r.value.section)
			.map(([name, r]) => ({ name, section: r.value.section as Section, offset: r.value.n }))
			.sort((a, b) => a.section.start + a.offset - (b.section.start + b.offset));
		// A label's size runs to the next label of its section (or the section's end).
		labels.forEach((l, i) => {
			let j = i + 1;
			while (j < labels.length && (labels[j].section !== l.section || labels[j].offset <= l.offset)) j++;
			const next = labels[j];
			table.add({ name: l.name, address: (l.section.start + l.offset) >>> 0, size: (next ? next.offset : l.section.size) - l.offset });
		});
		return table;
	}
}

function pushLittleEndian(out: number[], value: bigint, width: number): void {
	for (let i = 0; i < width; i++) out.push(Number((value >> BigInt(8 * i)) & 0xffn));
}

const isPowerOfTwo = (n: number): boolean => n > 0 && (n & (n - 1)) === 0;

function sortDiagnostics(list: AssemblyDiagnostic[]): AssemblyDiagnostic[] {
	return list.sort((a, b) => (a.file === b.file ? a.line - b.line || a.column - b.column : a.file < b.file ? -1 : 1));
}

