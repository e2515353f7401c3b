// Turns the assembler's diagnostics into editor diagnostics for one document.
// The assembler is passed in (the server gives it src/asm's `assemble`), so
// this mapping is testable on its own.

import { basename, extname } from 'node:path';

export interface AssemblyDiagnosticLike {
	file: string;
	/** 1-based. */
	line: number;
	column: number;
	endColumn?: number;
	message: string;
	undefinedSymbol?: string;
}

export interface AssemblyResultLike {
	ok: boolean;
	errors: readonly AssemblyDiagnosticLike[];
	warnings: readonly AssemblyDiagnosticLike[];
	symbols: { all(): readonly { name: string; address: number }[] };
}

export type Assembler = (source: string, options: { file: string; readFile?: (path: string) => string }) => AssemblyResultLike;

export interface EditorDiagnostic {
	severity: 'error' | 'warning';
	/** 0-based. */
	line: number;
	start: number;
	end: number;
	message: string;
}

export interface DocumentAnalysis {
	diagnostics: EditorDiagnostic[];
	/** Label addresses by name, for hovers. */
	addresses: Map<string, number>;
}

/** Where in this document the problem shows: its own location, or the %include line that brought the other file in. */
function place(d: AssemblyDiagnosticLike, file: string, lines: readonly string[]): Omit<EditorDiagnostic, 'severity'> {
	if (d.file === file) {
		const line = Math.min(Math.max(d.line - 1, 0), Math.max(lines.length - 1, 0));
		const start = Math.max(d.column - 1, 0);
		const lineLength = lines[line]?.length ?? 0;
		// Without an end column, underline the rest of the word (or one character at the end of a line).
		const wordEnd = start + ((lines[line] ?? '').slice(start).match(/^[^\s,\]]+/)?.[0].length ?? 1);
		const end = d.endColumn !== undefined && d.endColumn - 1 > start ? d.endColumn - 1 : Math.min(wordEnd, Math.max(lineLength, start + 1));
		return { line, start, end, message: d.message };
	}
	const name = basename(d.file);
	const includeLine = lines.findIndex((l) => /^\s*%include\b/i.test(l) && l.includes(name));
	const line = Math.max(includeLine, 0);
	return { line, start: 0, end: lines[line]?.length ?? 0, message: `${d.file}:${d.line}:${d.column}: ${d.message}` };
}

export function analyseDocument(assemble: Assembler, source: string, file: string, readFile?: (path: string) => string): DocumentAnalysis {
	const lines = source.split(/\r?\n/);
	let result: AssemblyResultLike;
	try {
		result = assemble(source, { file, readFile });
	} catch (error) {
		// The assembler promises not to throw; if it does, say so in the editor rather than lose the server.
		const message = `internal assembler error: ${error instanceof Error ? error.message : String(error)}`;
		return { diagnostics: [{ severity: 'error', line: 0, start: 0, end: lines[0]?.length ?? 0, message }], addresses: new Map() };
	}
	// An include file uses what the kernel including it defines: assembled alone, those uses are not errors.
	const include = extname(file).toLowerCase() === '.inc';
	const errors = include ? result.errors.filter((d) => d.undefinedSymbol === undefined) : result.errors;
	const diagnostics: EditorDiagnostic[] = [
		...errors.map((d): EditorDiagnostic => ({ severity: 'error', ...place(d, file, lines) })),
		...result.warnings.map((d): EditorDiagnostic => ({ severity: 'warning', ...place(d, file, lines) })),
	];
	const addresses = new Map<string, number>();
	if (result.ok) for (const s of result.symbols.all()) addresses.set(s.name, s.address);
	return { diagnostics, addresses };
}

/** Calls `run` once `delayMs` after the last `schedule` for the same key. */
export class Debouncer {
	private readonly timers = new Map<string, NodeJS.Timeout>();

	constructor(private readonly delayMs: number) {}

	schedule(key: string, run: () => void): void {
		clearTimeout(this.timers.get(key));
		this.timers.set(key, setTimeout(() => {
			this.timers.delete(key);
			run();
		}, this.delayMs));
	}

	cancel(key: string): void {
		clearTimeout(this.timers.get(key));
		this.timers.delete(key);
	}
}
