import { test } from 'node:test';
import assert from 'node:assert/strict';
import { completionsAt } from '../../src/language/completion';

const vocabulary = { mnemonics: ['mov', 'lgdt', 'add'], directives: ['db', '%define', '%include'] };
const source = ['outer:', '.loop:', '\tjmp ', 'other:', '\tmov eax, ', 'value equ 3', '\t', 'lbl: ', '\t%'].join('\n');
const labels = (items: { label: string; kind: string }[]) => items.filter((i) => i.kind === 'label' || i.kind === 'constant').map((i) => i.label);

test('a statement start offers mnemonics with their class, and directives', () => {
	const items = completionsAt(source, 6, 1, vocabulary);
	const lgdt = items.find((i) => i.label === 'lgdt');
	assert.equal(lgdt?.kind, 'mnemonic');
	assert.match(lgdt?.detail ?? '', /^privileged: Load the global descriptor table/);
	assert.ok(items.some((i) => i.label === 'db' && i.kind === 'directive'));
	assert.ok(items.some((i) => i.label === 'section' && i.kind === 'directive'));
	assert.ok(!items.some((i) => i.kind === 'register'));
});

test('after a label on the same line, mnemonics are still offered', () => {
	assert.ok(completionsAt(source, 7, 5, vocabulary).some((i) => i.label === 'mov'));
});

test('% at a statement start offers preprocessor directives only', () => {
	const items = completionsAt(source, 8, 2, vocabulary);
	assert.deepEqual(items.map((i) => i.label), ['%define', '%include']);
});

test('operands offer registers, sizes and labels; local labels short only in their scope', () => {
	const inScope = completionsAt(source, 2, 5, vocabulary);
	assert.ok(inScope.some((i) => i.label === 'eax' && i.kind === 'register'));
	assert.ok(inScope.some((i) => i.label === 'cr3'));
	assert.ok(inScope.some((i) => i.label === 'dword' && i.kind === 'size'));
	assert.deepEqual(labels(inScope), ['outer', '.loop', 'outer.loop', 'other', 'value', 'lbl']);
	assert.deepEqual(labels(completionsAt(source, 4, 10, vocabulary)), ['outer', 'outer.loop', 'other', 'value', 'lbl']);
});

test('nothing inside a comment', () => {
	assert.deepEqual(completionsAt('\tmov eax, 1 ; e', 0, 15, vocabulary), []);
});
