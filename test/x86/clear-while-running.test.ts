// Cpu.invalidateAllBlocks() called from a callout while its region runs (the
// binary translator flushing a full translation cache): the region goes on
// running, and a store it then makes into its own code must still be seen as a
// code write, so the rewritten instruction runs as written, not as compiled.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { machine } from './helpers';
import { Reg } from '../../src/x86/registers';
import type { InstructionEmitter } from '../../src/x86/block-compiler';
import type { Cpu } from '../../src/x86/cpu';

/** CPUID becomes a callout that drops every compiled block. */
function clearingAtCpuid(cpu: Cpu): { emitter: InstructionEmitter; clears: () => number } {
	let clears = 0;
	const emitter: InstructionEmitter = (ins, _index, ctx) => {
		if (ins.mnemonic !== 'cpuid') return null;
		return `${ctx.external(() => { clears++; cpu.invalidateAllBlocks(); })}();`;
	};
	return { emitter, clears: () => clears };
}

test('a store into the running region\'s own code after a clear from its callout runs the new code', () => {
	const m = machine(`cpuid
mov byte [patch + 1], 0x42
patch: mov al, 0x11
hlt`);
	const { emitter, clears } = clearingAtCpuid(m.cpu);
	assert.equal(m.cpu.run(1000, { emitterFor: () => emitter }).kind, 'halt');
	assert.equal(clears(), 1);
	assert.equal(m.cpu.regs[Reg.EAX] & 0xff, 0x42);
});

test('a loop that clears and rewrites its own code on every pass runs each version once', () => {
	// Each pass adds the immediate of `add` to EBX, then bumps that immediate: 1 + 2 + ... + 10.
	const m = machine(`mov ecx, 10
l: cpuid
add ebx, byte 1
inc byte [l + 4]
dec ecx
jnz l
hlt`);
	const { emitter, clears } = clearingAtCpuid(m.cpu);
	assert.equal(m.cpu.run(10_000, { emitterFor: () => emitter }).kind, 'halt');
	assert.equal(clears(), 10);
	assert.equal(m.cpu.regs[Reg.EBX], 55);
});

test('the code marks a clear keeps go once the run loop compiles the next region', () => {
	const m = machine('hlt');
	m.memory.ram.set([0xf4], 0x3000);
	assert.equal(m.cpu.run(1000).kind, 'halt');
	m.cpu.invalidateAllBlocks();
	assert.equal(m.cpu.blocks.codePages[1], 1, 'kept while a cleared region may still run');
	m.cpu.halted = false;
	m.cpu.eip = 0x3000;
	assert.equal(m.cpu.run(1000).kind, 'halt');
	assert.equal(m.cpu.blocks.codePages[1], 0);
	assert.equal(m.cpu.blocks.codePages[3], 1);
});
