// Completion candidates for a position: mnemonics where an instruction starts,
// registers, size keywords and labels in operands, directives everywhere a line starts.

import { entriesForMnemonic } from '../x86/instruction-table';
import { scanSource, scopeAt } from './source-scan';
import { ALL_REGISTERS, ASSEMBLER_DIRECTIVES, PREFIXES, SIZE_KEYWORDS } from './vocabulary';

export type CompletionKind = 'mnemonic' | 'directive' | 'preprocessor' | 'register' | 'size' | 'label' | 'constant';

export interface CompletionCandidate {
	label: string;
	kind: CompletionKind;
	/** One line shown beside the candidate. */
	detail?: string;
}

export interface CompletionVocabulary {
	/** Mnemonics the assembler accepts (it may know fewer than the CPU). */
	mnemonics: readonly string[];
	/** Directives the assembler accepts, including `%` preprocessor ones. */
	directives: readonly string[];
}

function mnemonicDetail(mnemonic: string): string | undefined {
	const entries = entriesForMnemonic(mnemonic);
	if (entries.length === 0) return undefined;
	const classes = [...new Set(entries.map((e) => e.class))].join(', ');
	return `${classes}: ${entries[0].summary}`;
}

export function completionsAt(text: string, line: number, character: number, vocabulary: CompletionVocabulary): CompletionCandidate[] {
	const lineText = (text.split(/\r?\n/)[line] ?? '').slice(0, character);
	if (lineText.includes(';')) return [];
	const beforeWord = lineText.replace(/[\w.?$@#~%]*$/, '');
	// The first word of a statement (after an optional label) is a mnemonic or directive.
	const atStatementStart = /^\s*(?:[A-Za-z_.?$@][\w.?$@#~]*\s*:\s*)?$/.test(beforeWord);
	const directives = [...new Set([...vocabulary.directives, ...ASSEMBLER_DIRECTIVES])];
	if (atStatementStart) {
		if (/%[\w]*$/.test(lineText)) {
			return directives.filter((d) => d.startsWith('%')).map((label) => ({ label, kind: 'preprocessor' }));
		}
		return [
			...vocabulary.mnemonics.map((label): CompletionCandidate => ({ label, kind: 'mnemonic', detail: mnemonicDetail(label) })),
			...PREFIXES.map((label): CompletionCandidate => ({ label, kind: 'mnemonic', detail: 'prefix' })),
			...directives.filter((d) => !d.startsWith('%')).map((label): CompletionCandidate => ({ label, kind: 'directive' })),
		];
	}
	const scan = scanSource(text);
	const scope = scopeAt(scan, line);
	const labels = scan.definitions.flatMap((d): CompletionCandidate[] => {
		const kind = d.kind === 'constant' ? 'constant' : 'label';
		if (d.kind !== 'local') return [{ label: d.name, kind }];
		// A local label is reachable by its short name only inside its own scope.
		return d.qualified === scope + d.name ? [{ label: d.name, kind, detail: d.qualified }, { label: d.qualified, kind }] : [{ label: d.qualified, kind }];
	});
	return [
		...ALL_REGISTERS.map((label): CompletionCandidate => ({ label, kind: 'register' })),
		...SIZE_KEYWORDS.map((label): CompletionCandidate => ({ label, kind: 'size' })),
		...labels,
	];
}
