import { test } from 'node:test';
import assert from 'node:assert/strict';
import { definitionAt, outline, referencesAt } from '../../src/language/definitions';
import { scanSource } from '../../src/language/source-scan';

const source = [
	'SIZE equ 4',                 // 0
	'start:',                     // 1
	'\tmov ecx, SIZE ; start',    // 2
	'.loop:',                     // 3
	'\tloop .loop',               // 4
	'\tjmp other.loop',           // 5
	'other:',                     // 6
	'.loop: db "start", 0',       // 7
	'\tjmp .loop',                // 8
	'\tcall start',               // 9
].join('\n');

test('definition of a label, a constant and scoped local labels', () => {
	assert.deepEqual(definitionAt(source, 9, 8), { name: 'start', qualified: 'start', kind: 'label', line: 1, start: 0, end: 5 });
	assert.equal(definitionAt(source, 2, 11)?.line, 0);
	assert.equal(definitionAt(source, 4, 8)?.qualified, 'start.loop');
	assert.equal(definitionAt(source, 4, 8)?.line, 3);
	assert.equal(definitionAt(source, 8, 7)?.line, 7);
	assert.equal(definitionAt(source, 5, 8)?.line, 7);
	assert.equal(definitionAt(source, 2, 2), undefined);
});

test('references skip comments and strings and tell local scopes apart', () => {
	assert.deepEqual(referencesAt(source, 1, 1, false), [{ line: 9, start: 6, end: 11 }]);
	assert.deepEqual(referencesAt(source, 1, 1, true), [{ line: 1, start: 0, end: 5 }, { line: 9, start: 6, end: 11 }]);
	assert.deepEqual(referencesAt(source, 7, 1, true).map((s) => s.line), [5, 7, 8]);
	assert.deepEqual(referencesAt(source, 3, 1, true).map((s) => s.line), [3, 4]);
});

test('outline nests local labels under their label and spans to the next label', () => {
	const symbols = outline(source);
	assert.deepEqual(symbols.map((s) => [s.name, s.kind, s.range.startLine, s.range.endLine]), [
		['SIZE', 'constant', 0, 0], ['start', 'label', 1, 5], ['other', 'label', 6, 9],
	]);
	assert.deepEqual(symbols[1].children.map((c) => [c.name, c.range.startLine, c.range.endLine]), [['.loop', 3, 5]]);
});

test('the scan ignores preprocessor lines and numbers', () => {
	const scan = scanSource('%define X 1\nfoo: dd 0x10, 20h, $, bar');
	assert.deepEqual(scan.definitions.map((d) => d.name), ['foo']);
	assert.deepEqual(scan.uses.map((u) => u.name), ['bar']);
});
