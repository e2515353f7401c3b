// Go to definition, find references and the outline, all from the source scan,
// so they keep working while the file has assembly errors.

import { qualify, scanSource, wordAt, type LabelDefinition, type Span } from './source-scan';

export function definitionAt(text: string, line: number, character: number): LabelDefinition | undefined {
	const at = wordAt(text, line, character);
	if (!at) return undefined;
	const scan = scanSource(text);
	const name = qualify(scan, at.word, line);
	return scan.definitions.find((d) => d.qualified === name);
}

/** Every use of the label under the position, and its definition when asked for. */
export function referencesAt(text: string, line: number, character: number, includeDeclaration: boolean): Span[] {
	const at = wordAt(text, line, character);
	if (!at) return [];
	const scan = scanSource(text);
	const name = qualify(scan, at.word, line);
	const definitions = scan.definitions.filter((d) => d.qualified === name);
	const uses = scan.uses.filter((u) => u.qualified === name);
	if (definitions.length === 0 && uses.length === 0) return [];
	const spans: Span[] = [...(includeDeclaration ? definitions : []), ...uses];
	return spans.map(({ line: l, start, end }) => ({ line: l, start, end })).sort((a, b) => a.line - b.line || a.start - b.start);
}

export interface LineRange {
	startLine: number;
	startCharacter: number;
	endLine: number;
	endCharacter: number;
}

export interface OutlineSymbol {
	name: string;
	kind: LabelDefinition['kind'];
	/** From the label to the end of the line before the next label at the same level. */
	range: LineRange;
	selection: Span;
	children: OutlineSymbol[];
}

/** Labels as an outline: local labels nest under the label that scopes them. */
export function outline(text: string): OutlineSymbol[] {
	const lines = text.split(/\r?\n/);
	const top: OutlineSymbol[] = [];
	for (const d of scanSource(text).definitions) {
		const selection: Span = { line: d.line, start: d.start, end: d.end };
		const range: LineRange = { startLine: d.line, startCharacter: d.start, endLine: d.line, endCharacter: d.end };
		const symbol: OutlineSymbol = { name: d.name, kind: d.kind, range, selection, children: [] };
		const parent = top[top.length - 1];
		if (d.kind === 'local' && parent?.kind === 'label') parent.children.push(symbol);
		else top.push(symbol);
	}
	const extend = (symbols: OutlineSymbol[], lastLine: number): void => {
		symbols.forEach((s, i) => {
			const endLine = i + 1 < symbols.length ? Math.max(s.range.startLine, symbols[i + 1].range.startLine - 1) : lastLine;
			s.range.endLine = endLine;
			s.range.endCharacter = endLine === s.range.startLine ? Math.max(s.range.endCharacter, lines[endLine].length) : lines[endLine].length;
			extend(s.children, endLine);
		});
	};
	extend(top, lines.length - 1);
	return top;
}
