// The language features over the real assembler (src/asm), as the server runs them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { assemble, DIRECTIVES, SUPPORTED_MNEMONICS } from '../../src/asm';
import { completionsAt } from '../../src/language/completion';
import { analyseDocument } from '../../src/language/diagnostics';
import { hoverAt } from '../../src/language/hover';

const file = '/virtual/kernel.asm';

test('assembly errors become editor diagnostics on the right word', () => {
	const source = 'bits 32\norg 0x100000\nstart:\n\tmovx eax, 1\n\thlt\n';
	const { diagnostics } = analyseDocument(assemble, source, file);
	assert.equal(diagnostics.length, 1);
	assert.equal(diagnostics[0].severity, 'error');
	assert.deepEqual([diagnostics[0].line, diagnostics[0].start, diagnostics[0].end], [3, 1, 5]);
	assert.match(diagnostics[0].message, /movx/);
});

test('an include file may use what the kernel defines; its other errors still show', () => {
	const source = 'print:\n\tmov al, [esi]\n\tcall putc\n\tmovx eax, PORT\n\tret\n';
	const include = analyseDocument(assemble, source, '/virtual/lib/print.inc');
	assert.deepEqual(include.diagnostics.map((d) => d.line), [3]);
	assert.match(include.diagnostics[0].message, /movx/);
	const kernel = analyseDocument(assemble, source, file);
	assert.ok(kernel.diagnostics.some((d) => /putc/.test(d.message)));
});

test('a label hover gives the address the assembler chose', () => {
	const source = 'bits 32\norg 0x100000\nstart:\n\tlgdt [gdt_ptr]\n.spin:\n\tjmp .spin\ngdt_ptr: dw 0\n';
	const { diagnostics, addresses } = analyseDocument(assemble, source, file);
	assert.deepEqual(diagnostics, []);
	assert.match(hoverAt(source, 3, 10, (n) => addresses.get(n))?.markdown ?? '', /gdt_ptr\*\*: label at 0x00100009/);
	assert.match(hoverAt(source, 5, 7, (n) => addresses.get(n))?.markdown ?? '', /start\.spin\*\*: local label at 0x00100007/);
});

test('completion offers the assembler\'s own mnemonics and directives', () => {
	const items = completionsAt('\t', 0, 1, { mnemonics: SUPPORTED_MNEMONICS, directives: DIRECTIVES });
	for (const word of ['lgdt', 'mov', 'iretd', 'times', 'org']) assert.ok(items.some((i) => i.label === word), word);
});
