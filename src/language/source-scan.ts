// A light scan of NASM source for the editor features that must work while the
// file does not assemble: where labels are defined and where names are used.
// Local labels (.loop) are qualified by the preceding non-local label, as NASM does.

export interface Span {
	/** 0-based line and columns, as LSP counts them. */
	line: number;
	start: number;
	end: number;
}

export interface LabelDefinition extends Span {
	/** As written: `start` or `.loop`. */
	name: string;
	/** As the assembler knows it: `start` or `start.loop`. */
	qualified: string;
	kind: 'label' | 'local' | 'constant';
}

export interface NameUse extends Span {
	name: string;
	qualified: string;
}

export interface ScannedSource {
	definitions: LabelDefinition[];
	uses: NameUse[];
}

const IDENT = /[A-Za-z_.?$@][\w.?$@#~]*/y;

/** The line without its comment; strings are kept but blanked so they hold no names. */
function codePart(line: string): string {
	let out = '';
	let quote: string | undefined;
	for (const ch of line) {
		if (quote) {
			out += ch === quote ? ch : ' ';
			if (ch === quote) quote = undefined;
		} else if (ch === ';') {
			break;
		} else {
			if (ch === '"' || ch === "'" || ch === '`') quote = ch;
			out += ch;
		}
	}
	return out;
}

/** Skips the mnemonic or directive that follows a label: it is not a use of a label. */
function skipMnemonic(code: string, pos: number): number {
	const start = code.slice(pos).search(/\S/);
	if (start < 0) return code.length;
	IDENT.lastIndex = pos + start;
	return IDENT.exec(code) ? IDENT.lastIndex : pos;
}

function isNumberLike(word: string): boolean {
	return /^\$?[0-9]/.test(word) || word === '$' || word === '$$';
}

export function scanSource(text: string): ScannedSource {
	const definitions: LabelDefinition[] = [];
	const uses: NameUse[] = [];
	let scope = '';
	const lines = text.split(/\r?\n/);
	for (let lineNo = 0; lineNo < lines.length; lineNo++) {
		const code = codePart(lines[lineNo]);
		let pos = code.search(/\S/);
		if (pos < 0 || code[pos] === '%') continue;
		IDENT.lastIndex = pos;
		const first = IDENT.exec(code);
		if (first) {
			const after = code.slice(IDENT.lastIndex);
			const name = first[0];
			const isEqu = /^\s+equ\b/i.test(after);
			if (/^\s*:/.test(after) || isEqu) {
				const local = name.startsWith('.');
				if (!local && !isEqu) scope = name;
				definitions.push({
					name, qualified: local ? scope + name : name, kind: isEqu ? 'constant' : local ? 'local' : 'label',
					line: lineNo, start: pos, end: pos + name.length,
				});
				pos = IDENT.lastIndex + (after.match(/^\s*(?::|equ\b)/i)?.[0].length ?? 0);
				if (!isEqu) pos = skipMnemonic(code, pos);
			} else {
				pos = IDENT.lastIndex;
			}
		}
		for (const m of code.slice(pos).matchAll(/[A-Za-z_.?$@][\w.?$@#~]*|\$?[0-9][\w]*/g)) {
			const word = m[0];
			if (isNumberLike(word)) continue;
			const start = pos + (m.index ?? 0);
			uses.push({ name: word, qualified: word.startsWith('.') ? scope + word : word, line: lineNo, start, end: start + word.length });
		}
	}
	return { definitions, uses };
}

/** The word (label, mnemonic, register...) under a 0-based position, with its span. */
export function wordAt(text: string, line: number, character: number): (Span & { word: string }) | undefined {
	const lineText = text.split(/\r?\n/)[line];
	if (lineText === undefined) return undefined;
	for (const m of lineText.matchAll(/[A-Za-z_.?$@%][\w.?$@#~]*/g)) {
		const start = m.index ?? 0;
		if (character >= start && character <= start + m[0].length) return { word: m[0], line, start, end: start + m[0].length };
	}
	return undefined;
}

/** The label scope in force on a line (the last non-local label defined at or before it). */
export function scopeAt(scan: ScannedSource, line: number): string {
	let scope = '';
	for (const d of scan.definitions) {
		if (d.line > line) break;
		if (d.kind === 'label') scope = d.name;
	}
	return scope;
}

/** The fully qualified name a word at `line` refers to. */
export function qualify(scan: ScannedSource, word: string, line: number): string {
	return word.startsWith('.') ? scopeAt(scan, line) + word : word;
}
