import { test } from 'node:test';
import assert from 'node:assert/strict';
import { analyseDocument, Debouncer, type Assembler, type AssemblyDiagnosticLike } from '../../src/language/diagnostics';

const file = '/work/k/kernel.asm';
const source = ['%include "gdt.inc"', '\tmovx eax, 1', '\tmov al, 300', 'x:'].join('\n');

/** Stands in for src/asm: answers with the given diagnostics, as the real assembler reports them. */
function assemblerAnswering(errors: AssemblyDiagnosticLike[], warnings: AssemblyDiagnosticLike[] = []): Assembler {
	return () => ({ ok: errors.length === 0, errors, warnings, symbols: { all: () => [{ name: 'x', address: 0x100010 }] } });
}

test('errors and warnings land on their 0-based line with a word-long range', () => {
	const analysis = analyseDocument(assemblerAnswering(
		[{ file, line: 2, column: 2, message: "unknown instruction 'movx' — did you mean 'mov'?" }],
		[{ file, line: 3, column: 10, endColumn: 13, message: 'value 300 does not fit in a byte' }],
	), source, file);
	assert.deepEqual(analysis.diagnostics, [
		{ severity: 'error', line: 1, start: 1, end: 5, message: "unknown instruction 'movx' — did you mean 'mov'?" },
		{ severity: 'warning', line: 2, start: 9, end: 12, message: 'value 300 does not fit in a byte' },
	]);
	assert.equal(analysis.addresses.size, 0, 'no addresses from a failed assembly');
});

test('a problem in an included file shows on the %include line with its own location', () => {
	const analysis = analyseDocument(assemblerAnswering([{ file: '/work/k/gdt.inc', line: 7, column: 3, message: 'bad' }]), source, file);
	assert.deepEqual(analysis.diagnostics, [{ severity: 'error', line: 0, start: 0, end: 18, message: '/work/k/gdt.inc:7:3: bad' }]);
});

test('an out-of-range location is clamped into the document', () => {
	const analysis = analyseDocument(assemblerAnswering([{ file, line: 99, column: 1, message: 'unterminated %macro' }]), source, file);
	assert.equal(analysis.diagnostics[0].line, 3);
});

test('a successful assembly gives label addresses', () => {
	assert.deepEqual([...analyseDocument(assemblerAnswering([]), source, file).addresses], [['x', 0x100010]]);
});

test('an assembler that throws becomes a diagnostic, not a crash', () => {
	const analysis = analyseDocument(() => { throw new Error('boom'); }, source, file);
	assert.equal(analysis.diagnostics[0].message, 'internal assembler error: boom');
});

test('the debouncer runs once, after the last change', async () => {
	const runs: string[] = [];
	const debouncer = new Debouncer(20);
	debouncer.schedule('a', () => runs.push('first'));
	debouncer.schedule('a', () => runs.push('second'));
	debouncer.schedule('b', () => runs.push('other'));
	debouncer.schedule('c', () => runs.push('cancelled'));
	debouncer.cancel('c');
	await new Promise((r) => setTimeout(r, 60));
	assert.deepEqual(runs.sort(), ['other', 'second']);
});
