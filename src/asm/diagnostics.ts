// Every problem in a guest source becomes one of these, never an exception that
// escapes `assemble`: the language server shows them on each keystroke.

export interface AssemblyDiagnostic {
	file: string;
	/** 1-based. */
	line: number;
	/** 1-based. */
	column: number;
	/** 1-based, exclusive. */
	endColumn?: number;
	message: string;
	/** Set when the problem is a symbol this source uses but does not define (an include file's usual state). */
	undefinedSymbol?: string;
}

/** Where a piece of text came from; `column` and `endColumn` are 1-based. */
export interface Span {
	file: string;
	line: number;
	column: number;
	endColumn: number;
}

/** Thrown inside the assembler and turned into a diagnostic by the statement loop. */
export class AsmError extends Error {
	constructor(message: string, readonly span?: Span) {
		super(message);
	}
}

/** A use of a symbol nothing defines. */
export class UndefinedSymbolError extends AsmError {
	constructor(message: string, readonly symbol: string, span?: Span) {
		super(message, span);
	}
}

export function diagnosticAt(span: Span, message: string): AssemblyDiagnostic {
	return { file: span.file, line: span.line, column: span.column, endColumn: span.endColumn, message };
}
