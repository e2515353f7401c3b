// Hover text: for a mnemonic, how it stands to virtualization (from the one
// instruction table); for a label, where the assembler put it.

import { entriesForMnemonic, type InstructionEntry, type MonitorTreatment } from '../x86/instruction-table';
import { qualify, scanSource, wordAt, type Span } from './source-scan';
import { ALL_REGISTERS, allMnemonics } from './vocabulary';

export interface HoverResult {
	markdown: string;
	range: Span;
}

/** Label addresses from the last successful assembly, by qualified name. */
export type AddressLookup = (qualifiedName: string) => number | undefined;

const CLASS_TITLE: Record<InstructionEntry['class'], string> = {
	privileged: 'privileged',
	'iopl-sensitive': 'IOPL-sensitive',
	sensitive: 'sensitive, unprivileged (a virtualization hole)',
	innocuous: 'innocuous',
};

const TRAP_AND_EMULATE: Record<MonitorTreatment['trapAndEmulate'], string> = {
	trap: 'faults (#GP) at real ring 1; the monitor emulates it',
	hole: 'runs with its real ring-1 behaviour; reported as a hole',
	direct: 'runs directly',
};

const BINARY_TRANSLATION: Record<MonitorTreatment['binaryTranslation'], string> = {
	callout: 'translated into a call to the monitor, which emulates it',
	ident: 'copied unchanged into the translation',
};

const hex = (value: number): string => `0x${(value >>> 0).toString(16).toUpperCase().padStart(8, '0')}`;

function mnemonicMarkdown(mnemonic: string, entries: InstructionEntry[]): string {
	const name = mnemonic.toUpperCase();
	if (entries.length === 0) {
		return `**${name}**: innocuous\n\nBehaves the same at every privilege level: runs directly in every monitor mode and is copied unchanged by binary translation.`;
	}
	const parts = entries.map((e) => [
		`**${name}** (${e.codes.join(', ')}): ${CLASS_TITLE[e.class]}`,
		e.summary,
		`| mode | guest ring 0 |\n|---|---|\n| native | runs at real ring 0 |\n| trap-and-emulate | ${TRAP_AND_EMULATE[e.treatment.trapAndEmulate]} |\n| binary-translation | ${BINARY_TRANSLATION[e.treatment.binaryTranslation]} |`,
		e.virtualization,
	].join('\n\n'));
	if (['mov', 'push', 'pop', 'jmp', 'call'].includes(mnemonic.toLowerCase())) {
		parts.push(`Other forms of **${name}** are innocuous and run directly.`);
	}
	return parts.join('\n\n---\n\n');
}

export function hoverAt(text: string, line: number, character: number, addressOf: AddressLookup): HoverResult | undefined {
	const at = wordAt(text, line, character);
	if (!at) return undefined;
	const range: Span = { line: at.line, start: at.start, end: at.end };
	const lower = at.word.toLowerCase();
	const scan = scanSource(text);
	const qualified = qualify(scan, at.word, line);
	const definition = scan.definitions.find((d) => d.qualified === qualified);
	if (definition) {
		const address = addressOf(qualified);
		const where = address === undefined ? 'address unknown until the file assembles' : `at ${hex(address)}`;
		const what = definition.kind === 'constant' ? 'constant' : definition.kind === 'local' ? 'local label' : 'label';
		const value = definition.kind === 'constant' && address !== undefined ? `= ${address} (${hex(address)})` : where;
		return { markdown: `**${qualified}**: ${what} ${value}, defined on line ${definition.line + 1}`, range };
	}
	if (ALL_REGISTERS.includes(lower)) return undefined;
	const entries = entriesForMnemonic(lower);
	if (entries.length > 0 || allMnemonics().includes(lower)) return { markdown: mnemonicMarkdown(lower, entries), range };
	// Defined in an included file: the scan of this one does not see it, the assembler does.
	const address = addressOf(qualified);
	if (address !== undefined) return { markdown: `**${qualified}**: symbol at ${hex(address)}`, range };
	return undefined;
}
