import assert from 'node:assert/strict';
import { test } from 'node:test';
import { defaultProgram } from '../../src/extension/default-program';

test('F5 without a launch.json debugs the .asm kernel in the editor', () => {
	assert.deepEqual(defaultProgram('/w/kernel.asm', ['/w/other.elf']), { kind: 'program', path: '/w/kernel.asm' });
});

test('from a C source, the only ELF kernel of the workspace is debugged', () => {
	assert.deepEqual(defaultProgram('/w/kernel.c', ['/w/build/kernel.elf']), { kind: 'program', path: '/w/build/kernel.elf' });
});

test('several ELF kernels are offered to choose from, in order', () => {
	assert.deepEqual(defaultProgram(undefined, ['/w/b.elf', '/w/a.elf']), { kind: 'choose', paths: ['/w/a.elf', '/w/b.elf'] });
});

test('an include file is not run on its own, and the message says why', () => {
	const choice = defaultProgram('/w/lib/serial.inc', []);
	assert.equal(choice.kind, 'none');
	assert.match(choice.kind === 'none' ? choice.message : '', /serial\.inc is an include file/);
});
