import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseArgs, UsageError } from '../../src/cli/args';

test('run with every option, in both spellings', () => {
	assert.deepEqual(parseArgs(['run', 'k.asm', '--virtualization', 'native', '--memory=64', '--stats', '--max-instructions', '1000']), {
		command: 'run', program: 'k.asm', virtualization: 'native', memoryMiB: 64, stats: true, maxInstructions: 1000,
	});
	assert.deepEqual(parseArgs(['run', 'k.elf']), { command: 'run', program: 'k.elf', virtualization: 'binary-translation', memoryMiB: 32, stats: false, maxInstructions: undefined });
});

test('help and version', () => {
	assert.deepEqual(parseArgs(['--help']), { command: 'help' });
	assert.deepEqual(parseArgs(['run', 'x', '-h']), { command: 'help' });
	assert.deepEqual(parseArgs(['--version']), { command: 'version' });
});

test('usage errors name the problem', () => {
	const bad: Array<[string[], RegExp]> = [
		[[], /no command/],
		[['go'], /unknown command 'go'/],
		[['run'], /needs a program/],
		[['run', 'a', 'b'], /only one program/],
		[['run', 'a', '--virtualization', 'vt-x'], /must be one of binary-translation, trap-and-emulate, native/],
		[['run', 'a', '--memory', '0'], /--memory must be a whole number of MiB from 1 to 1024/],
		[['run', 'a', '--memory', '2048'], /from 1 to 1024/],
		[['run', 'a', '--max-instructions', '-5'], /needs a value|positive whole number/],
		[['run', 'a', '--max-instructions', 'lots'], /positive whole number/],
		[['run', 'a', '--frobnicate'], /unknown option '--frobnicate'/],
		[['run', 'a', '--memory'], /--memory needs a value/],
	];
	for (const [argv, message] of bad) assert.throws(() => parseArgs(argv), (e: unknown) => e instanceof UsageError && message.test(e.message), argv.join(' '));
});
