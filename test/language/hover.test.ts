import { test } from 'node:test';
import assert from 'node:assert/strict';
import { hoverAt } from '../../src/language/hover';

const source = [
	'start:',
	'\tlgdt [gdt_ptr]',
	'\tmov eax, cr0',
	'\tpushfd',
	'\tadd eax, 1',
	'.spin:',
	'\tjmp .spin',
	'gdt_ptr: dw 0',
].join('\n');

const addresses = new Map([['start', 0x100000], ['start.spin', 0x100010], ['gdt_ptr', 0x100020]]);
const lookup = (name: string) => addresses.get(name);

test('hover on a privileged mnemonic gives its class and what each mode does', () => {
	const hover = hoverAt(source, 1, 2, lookup);
	assert.ok(hover);
	assert.match(hover.markdown, /\*\*LGDT\*\*.*privileged/);
	assert.match(hover.markdown, /trap-and-emulate \| faults \(#GP\) at real ring 1/);
	assert.match(hover.markdown, /binary-translation \| translated into a call to the monitor/);
	assert.deepEqual(hover.range, { line: 1, start: 1, end: 5 });
});

test('hover on a sensitive mnemonic calls it a hole', () => {
	const hover = hoverAt(source, 3, 3, lookup);
	assert.ok(hover);
	assert.match(hover.markdown, /sensitive, unprivileged/);
	assert.match(hover.markdown, /reported as a hole/);
});

test('hover on MOV lists every special form and says the others are innocuous', () => {
	const hover = hoverAt(source, 2, 2, lookup);
	assert.ok(hover);
	assert.match(hover.markdown, /control register/);
	assert.match(hover.markdown, /segment register/);
	assert.match(hover.markdown, /Other forms of \*\*MOV\*\* are innocuous/);
});

test('hover on an ordinary mnemonic says it is innocuous', () => {
	const hover = hoverAt(source, 4, 2, lookup);
	assert.ok(hover);
	assert.match(hover.markdown, /\*\*ADD\*\*: innocuous/);
});

test('hover on labels gives their address, local labels qualified', () => {
	assert.match(hoverAt(source, 1, 9, lookup)?.markdown ?? '', /\*\*gdt_ptr\*\*: label at 0x00100020, defined on line 8/);
	assert.match(hoverAt(source, 6, 7, lookup)?.markdown ?? '', /\*\*start\.spin\*\*: local label at 0x00100010/);
	assert.match(hoverAt(source, 0, 2, () => undefined)?.markdown ?? '', /address unknown until the file assembles/);
});

test('no hover on registers, comments past the end, or blank space', () => {
	assert.equal(hoverAt(source, 2, 11, lookup), undefined);
	assert.equal(hoverAt(source, 40, 0, lookup), undefined);
	assert.equal(hoverAt('\t\t', 0, 1, lookup), undefined);
});
