// A 2,000-line program, the size the language server assembles on every keystroke: every function
// and every line lands in the symbols and the source map. (Its speed is measured by bench/assembler-speed.ts.)
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { asm } from './helpers';
import { largeProgram as program } from './large-program';

test('a 2,000-line file assembles with every function in the symbols and every instruction in the source map', () => {
	const source = program(2000);
	const result = asm(source);
	assert.deepEqual(result.errors, []);
	const functions = source.split('\n').filter((l) => /^fn\d+:$/.test(l)).length;
	assert.equal(result.symbols.all().filter((s) => /^fn\d+$/.test(s.name)).length, functions);
	const ret = source.split('\n').findIndex((l) => l === '\tret') + 1;
	assert.equal(result.sourceMap.addressesFor(result.sourceMap.files()[0], ret).length, 1);
});
