// The committed grammar must be what the generator makes of the instruction table,
// and its mnemonic rules must pick out the right forms. (vscode-textmate is not
// installed, so rules are checked with JavaScript regular expressions, which
// agree with Oniguruma on the constructs used here once (?i) becomes the i flag.)
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { CLASS_SCOPES, grammarText } from '../../src/language/grammar';
import { INSTRUCTION_TABLE } from '../../src/x86/instruction-table';

const committed = readFileSync('syntaxes/ringside-asm.tmLanguage.json', 'utf8');
const grammar = JSON.parse(committed);

test('syntaxes/ringside-asm.tmLanguage.json is up to date with the instruction table (run node scripts/generate-grammar.mjs)', () => {
	assert.equal(committed, grammarText());
});

interface Rule { name?: string; match?: string; patterns?: Rule[] }
const compile = (match: string) => new RegExp(match.replace(/^\(\?i\)/, ''), 'i');

/** The scope of the first mnemonic rule matching the statement's first word, as the grammar would pick. */
function mnemonicScope(line: string): string | undefined {
	const rules: Rule[] = grammar.repository.mnemonic.patterns;
	const word = line.trim().split(/\s+/)[0];
	for (const rule of rules) {
		const m = compile(rule.match ?? '').exec(line);
		if (m && m[0].toLowerCase() === word.toLowerCase()) return rule.name;
	}
	return undefined;
}

test('every instruction in the table gets its class scope', () => {
	for (const line of ['lgdt [gdt_ptr]', 'hlt', 'wrmsr', 'mov cr3, eax', 'mov eax, dr7']) assert.equal(mnemonicScope(line), CLASS_SCOPES.privileged, line);
	for (const line of ['cli', 'out dx, al', 'in al, 0x60', 'outsb']) assert.equal(mnemonicScope(line), CLASS_SCOPES['iopl-sensitive'], line);
	for (const line of ['pushfd', 'popf', 'sgdt [x]', 'mov ax, ds', 'mov ss, ax', 'push cs', 'pop es', 'jmp 0x08:flush', 'jmp far [ptr]', 'call far [p]', 'iretd', 'int 0x80', 'lar eax, ecx']) {
		assert.equal(mnemonicScope(line), CLASS_SCOPES.sensitive, line);
	}
	const whole = new Set(['mov', 'push', 'pop', 'jmp', 'call']);
	for (const entry of INSTRUCTION_TABLE) {
		for (const mnemonic of entry.mnemonics.filter((m) => !whole.has(m))) assert.equal(mnemonicScope(`${mnemonic} x`), CLASS_SCOPES[entry.class as keyof typeof CLASS_SCOPES], mnemonic);
	}
});

test('ordinary forms of the same mnemonics are plain mnemonics', () => {
	for (const line of ['mov eax, ebx', 'push eax', 'pop ebp', 'jmp .loop', 'call kernel_main', 'jmp [es:edi]', 'add eax, 1', 'mov eax, [css]']) {
		assert.equal(mnemonicScope(line), 'keyword.other.mnemonic.ringside-asm', line);
	}
});

test('numbers in every base, registers and comments have their scopes', () => {
	const number = compile(grammar.repository.number.match);
	for (const n of ['42', '0x2A', '2Ah', '0h2a', '$0A', '101010b', '0b101010', '52o', '52q', '0o52', '0d42', '42d', '1010_1010b']) {
		assert.equal(number.exec(` ${n} `)?.[0], n, n);
	}
	const registers = grammar.repository.register.patterns as Rule[];
	const scopeOf = (r: string) => registers.find((rule) => compile(rule.match ?? '').exec(r)?.[0] === r)?.name;
	assert.equal(scopeOf('cr0'), 'variable.language.register.control.ringside-asm');
	assert.equal(scopeOf('dr7'), 'variable.language.register.debug.ringside-asm');
	assert.equal(scopeOf('gs'), 'variable.language.register.segment.ringside-asm');
	assert.equal(scopeOf('esp'), 'variable.language.register.general.ringside-asm');
	assert.equal(compile(grammar.repository.comment.match).exec('mov eax, 1 ; set "x"')?.[0], '; set "x"');
});
