// The language server for ringside-asm, bundled as dist/language-server.js and
// started by the extension over IPC. Each feature's logic lives in its own module.

import { readFileSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import {
	CompletionItemKind, DiagnosticSeverity, MarkupKind, ProposedFeatures, SymbolKind, TextDocumentSyncKind, TextDocuments,
	createConnection, type CompletionItem, type Diagnostic, type DocumentSymbol, type Location, type Range,
} from 'vscode-languageserver/node';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { DIRECTIVES, SUPPORTED_MNEMONICS, assemble } from '../asm';
import { completionsAt, type CompletionKind } from './completion';
import { definitionAt, outline, referencesAt, type OutlineSymbol } from './definitions';
import { analyseDocument, Debouncer } from './diagnostics';
import { hoverAt } from './hover';
import type { Span } from './source-scan';

const connection = createConnection(ProposedFeatures.all);
const documents = new TextDocuments(TextDocument);
const debouncer = new Debouncer(250);
/** Label addresses from each document's last successful assembly: kept while the user types an error. */
const addresses = new Map<string, Map<string, number>>();

const toRange = (s: Span): Range => ({ start: { line: s.line, character: s.start }, end: { line: s.line, character: s.end } });

function pathOf(uri: string): string {
	return uri.startsWith('file:') ? fileURLToPath(uri) : uri;
}

/** Included files come from the editor when open there, from disk otherwise. */
function readFile(path: string): string {
	const open = documents.get(pathToFileURL(path).toString());
	return open ? open.getText() : readFileSync(path, 'utf8');
}

function validate(document: TextDocument): void {
	const analysis = analyseDocument(assemble, document.getText(), pathOf(document.uri), readFile);
	if (analysis.addresses.size > 0) addresses.set(document.uri, analysis.addresses);
	const diagnostics: Diagnostic[] = analysis.diagnostics.map((d) => ({
		severity: d.severity === 'error' ? DiagnosticSeverity.Error : DiagnosticSeverity.Warning,
		range: toRange(d),
		message: d.message,
		source: 'ringside-asm',
	}));
	void connection.sendDiagnostics({ uri: document.uri, version: document.version, diagnostics });
}

connection.onInitialize(() => ({
	capabilities: {
		textDocumentSync: TextDocumentSyncKind.Incremental,
		hoverProvider: true,
		completionProvider: { triggerCharacters: ['.', '%'] },
		definitionProvider: true,
		referencesProvider: true,
		documentSymbolProvider: true,
	},
}));

// Also fires when a document opens.
documents.onDidChangeContent((e) => debouncer.schedule(e.document.uri, () => {
	const current = documents.get(e.document.uri);
	if (current) validate(current);
}));
documents.onDidClose((e) => {
	debouncer.cancel(e.document.uri);
	addresses.delete(e.document.uri);
	void connection.sendDiagnostics({ uri: e.document.uri, diagnostics: [] });
});

connection.onHover(({ textDocument, position }) => {
	const document = documents.get(textDocument.uri);
	if (!document) return null;
	const known = addresses.get(textDocument.uri);
	const hover = hoverAt(document.getText(), position.line, position.character, (name) => known?.get(name));
	return hover ? { contents: { kind: MarkupKind.Markdown, value: hover.markdown }, range: toRange(hover.range) } : null;
});

const COMPLETION_KIND: Record<CompletionKind, CompletionItemKind> = {
	mnemonic: CompletionItemKind.Keyword,
	directive: CompletionItemKind.Keyword,
	preprocessor: CompletionItemKind.Keyword,
	register: CompletionItemKind.Variable,
	size: CompletionItemKind.TypeParameter,
	label: CompletionItemKind.Reference,
	constant: CompletionItemKind.Constant,
};

connection.onCompletion(({ textDocument, position }): CompletionItem[] => {
	const document = documents.get(textDocument.uri);
	if (!document) return [];
	const candidates = completionsAt(document.getText(), position.line, position.character, { mnemonics: SUPPORTED_MNEMONICS, directives: DIRECTIVES });
	return candidates.map((c) => ({ label: c.label, kind: COMPLETION_KIND[c.kind], detail: c.detail }));
});

connection.onDefinition(({ textDocument, position }): Location | null => {
	const document = documents.get(textDocument.uri);
	const definition = document && definitionAt(document.getText(), position.line, position.character);
	return definition ? { uri: textDocument.uri, range: toRange(definition) } : null;
});

connection.onReferences(({ textDocument, position, context }): Location[] => {
	const document = documents.get(textDocument.uri);
	if (!document) return [];
	return referencesAt(document.getText(), position.line, position.character, context.includeDeclaration)
		.map((span) => ({ uri: textDocument.uri, range: toRange(span) }));
});

const SYMBOL_KIND: Record<OutlineSymbol['kind'], SymbolKind> = { label: SymbolKind.Function, local: SymbolKind.Key, constant: SymbolKind.Constant };

function toDocumentSymbol(s: OutlineSymbol): DocumentSymbol {
	return {
		name: s.name,
		kind: SYMBOL_KIND[s.kind],
		range: { start: { line: s.range.startLine, character: s.range.startCharacter }, end: { line: s.range.endLine, character: s.range.endCharacter } },
		selectionRange: toRange(s.selection),
		children: s.children.map(toDocumentSymbol),
	};
}

connection.onDocumentSymbol(({ textDocument }): DocumentSymbol[] => {
	const document = documents.get(textDocument.uri);
	return document ? outline(document.getText()).map(toDocumentSymbol) : [];
});

documents.listen(connection);
connection.listen();
