// Builds the TextMate grammar for NASM-syntax assembly. The mnemonic scopes come
// from the instruction table, so a theme can colour the instructions that trap
// at ring 1 differently from the holes; scripts/generate-grammar.mjs writes the
// result to syntaxes/ and a test fails when the committed file is stale.

import { INSTRUCTION_TABLE, type InstructionClass, type InstructionEntry } from '../x86/instruction-table';
import { ASSEMBLER_DIRECTIVES, PREFIXES, REGISTERS, SIZE_KEYWORDS, allMnemonics } from './vocabulary';

export const SCOPE_NAME = 'source.ringside-asm';

/** The scope a theme sees for each class; iopl-sensitive ones trap too, so they share the privileged prefix. */
export const CLASS_SCOPES: Readonly<Record<Exclude<InstructionClass, 'innocuous'>, string>> = {
	privileged: 'keyword.control.privileged.ringside-asm',
	'iopl-sensitive': 'keyword.control.privileged.iopl-sensitive.ringside-asm',
	sensitive: 'keyword.other.sensitive.ringside-asm',
};

/**
 * Mnemonics that also have ordinary forms (MOV EAX, EBX is innocuous; MOV CR3, EAX is not):
 * these are scoped by class only when an operand shows the special form.
 */
const OPERAND_DEPENDENT = new Set(['mov', 'push', 'pop', 'jmp', 'call']);

/** Operand text that marks the special form, read from the operand part of the table's iced-x86 Code names. */
function operandPattern(codes: readonly string[]): string | undefined {
	const alternatives = new Set<string>();
	for (const code of codes) {
		const operands = code.split('_').slice(1);
		for (const op of operands) {
			if (op === 'cr') alternatives.add('\\bcr[0-8]\\b');
			else if (op === 'dr') alternatives.add('\\bdr[0-7]\\b');
			else if (op === 'Sreg') alternatives.add('\\b[cdefgs]s\\b');
			else if (/^[CDEFGS]S$/.test(op)) alternatives.add(`\\b${op.toLowerCase()}\\b`);
			else if (op === 'm1632') alternatives.add('\\bfar\\b');
			// A direct far pointer is written selector:offset (jmp 0x08:start).
			else if (op === 'ptr1632') alternatives.add('(?<![\\[\\w])[\\w$]+\\s*:\\s*[\\w.$]');
		}
	}
	if (alternatives.size === 0) return undefined;
	return `(?=[^;\\n]*(?:${[...alternatives].sort().join('|')}))`;
}

interface Rule {
	name?: string;
	match?: string;
	begin?: string;
	end?: string;
	captures?: Record<string, { name: string }>;
	beginCaptures?: Record<string, { name: string }>;
	endCaptures?: Record<string, { name: string }>;
	patterns?: Rule[];
	include?: string;
}

const words = (list: readonly string[]): string => [...list].sort((a, b) => b.length - a.length || a.localeCompare(b)).join('|');
const keywordRule = (scope: string, list: readonly string[]): Rule => ({ name: scope, match: `(?i)\\b(?:${words(list)})\\b` });

/** One rule per (class, whole mnemonic) and one per operand-dependent (class, mnemonic) pair. */
function classifiedMnemonicRules(table: readonly InstructionEntry[]): Rule[] {
	const whole = new Map<string, Set<string>>();
	const dependent: Rule[] = [];
	for (const cls of Object.keys(CLASS_SCOPES) as (keyof typeof CLASS_SCOPES)[]) {
		const byMnemonic = new Map<string, string[]>();
		for (const e of table.filter((x) => x.class === cls)) {
			for (const m of e.mnemonics) byMnemonic.set(m, [...(byMnemonic.get(m) ?? []), ...e.codes]);
		}
		for (const [mnemonic, codes] of [...byMnemonic].sort(([a], [b]) => a.localeCompare(b))) {
			if (!OPERAND_DEPENDENT.has(mnemonic)) {
				whole.set(cls, (whole.get(cls) ?? new Set()).add(mnemonic));
				continue;
			}
			const pattern = operandPattern(codes);
			if (pattern === undefined) throw new Error(`instruction table: cannot tell the ${cls} form of '${mnemonic}' from its codes ${codes.join(', ')}`);
			dependent.push({ name: CLASS_SCOPES[cls], match: `(?i)\\b${mnemonic}\\b${pattern}` });
		}
	}
	// Privileged before sensitive so that MOV CR0 wins over MOV with a segment register on the same line.
	return [...dependent, ...[...whole].map(([cls, set]) => keywordRule(CLASS_SCOPES[cls as keyof typeof CLASS_SCOPES], [...set]))];
}

const NUMBER = [
	'0[xh][0-9a-f][0-9a-f_]*', '[0-9][0-9a-f_]*h',
	'0[by][01][01_]*', '[01][01_]*[by]',
	'0[oq][0-7][0-7_]*', '[0-7][0-7_]*[oq]',
	'0d[0-9][0-9_]*', '[0-9][0-9_]*d?',
];

export function buildGrammar(table: readonly InstructionEntry[] = INSTRUCTION_TABLE): object {
	const reg = (kind: string, list: readonly string[]): Rule => keywordRule(`variable.language.register.${kind}.ringside-asm`, list);
	const repository: Record<string, Rule> = {
		comment: { name: 'comment.line.semicolon.ringside-asm', match: ';.*$' },
		string: {
			patterns: [
				{ name: 'string.quoted.double.ringside-asm', begin: '"', end: '"|$' },
				{ name: 'string.quoted.single.ringside-asm', begin: "'", end: "'|$" },
				{
					name: 'string.quoted.other.backtick.ringside-asm', begin: '`', end: '`|$',
					patterns: [{ name: 'constant.character.escape.ringside-asm', match: '\\\\(?:[\'"`\\\\?abtnvfre]|[0-7]{1,3}|x[0-9a-fA-F]{1,2}|u[0-9a-fA-F]{4})' }],
				},
			],
		},
		number: { name: 'constant.numeric.ringside-asm', match: `(?i)(?:\\b(?:${NUMBER.join('|')})\\b|\\$[0-9][0-9a-f_]*\\b)` },
		preprocessor: {
			patterns: [
				{
					match: '(?i)^\\s*(%(?:include|define|xdefine|undef|assign|macro|imacro|endmacro|rep|endrep|if|ifdef|ifndef|ifidn|ifidni|elif|elifdef|else|endif|error|warning|fatal|strlen|substr|rotate|push|pop|local))\\b',
					captures: { '1': { name: 'keyword.control.directive.preprocessor.ringside-asm' } },
				},
				{ name: 'variable.parameter.macro.ringside-asm', match: '%(?:[0-9]+|%[A-Za-z_.?$][\\w.?$@#~]*|\\*)' },
			],
		},
		label: {
			patterns: [
				{
					match: '^\\s*(\\.[A-Za-z_?$@][\\w.?$@#~]*)\\s*(:)',
					captures: { '1': { name: 'entity.name.function.label.local.ringside-asm' }, '2': { name: 'punctuation.separator.label.ringside-asm' } },
				},
				{
					match: '^\\s*([A-Za-z_?][\\w.?$@#~]*)\\s*(:)',
					captures: { '1': { name: 'entity.name.function.label.ringside-asm' }, '2': { name: 'punctuation.separator.label.ringside-asm' } },
				},
				{
					match: '(?i)^\\s*([A-Za-z_?][\\w.?$@#~]*)\\s+(equ)\\b',
					captures: { '1': { name: 'entity.name.constant.ringside-asm' }, '2': { name: 'keyword.other.directive.ringside-asm' } },
				},
			],
		},
		directive: {
			patterns: [
				{ name: 'keyword.other.directive.ringside-asm', match: '(?i)(?<=\\[)\\s*(?:bits|section|segment|org|default|cpu)\\b' },
				keywordRule('keyword.other.directive.ringside-asm', ASSEMBLER_DIRECTIVES),
			],
		},
		size: keywordRule('storage.type.size.ringside-asm', SIZE_KEYWORDS),
		register: {
			patterns: [
				reg('general', REGISTERS.general), reg('segment', REGISTERS.segment), reg('control', REGISTERS.control),
				reg('debug', REGISTERS.debug), reg('fpu', REGISTERS.fpu), reg('simd', REGISTERS.simd),
			],
		},
		mnemonic: {
			patterns: [
				...classifiedMnemonicRules(table),
				keywordRule('keyword.other.prefix.ringside-asm', PREFIXES),
				keywordRule('keyword.other.mnemonic.ringside-asm', allMnemonics()),
			],
		},
		'local-reference': { name: 'variable.other.label.local.ringside-asm', match: '(?<![\\w$])\\.[A-Za-z_?$@][\\w.?$@#~]*' },
		operator: { name: 'keyword.operator.ringside-asm', match: '<<|>>|//|%%|[-+*/%&|^~!]' },
	};
	return {
		$schema: 'https://raw.githubusercontent.com/martinring/tmlanguage/master/tmlanguage.json',
		name: 'x86 Assembly (NASM)',
		scopeName: SCOPE_NAME,
		comment: 'Generated by scripts/generate-grammar.mjs from src/x86/instruction-table.ts. Do not edit.',
		patterns: ['comment', 'string', 'preprocessor', 'label', 'directive', 'size', 'register', 'mnemonic', 'number', 'local-reference', 'operator']
			.map((name) => ({ include: `#${name}` })),
		repository,
	};
}

/** The grammar as it is written to disk: stable key order, tabs, final newline. */
export function grammarText(table: readonly InstructionEntry[] = INSTRUCTION_TABLE): string {
	return `${JSON.stringify(buildGrammar(table), null, '\t')}\n`;
}
