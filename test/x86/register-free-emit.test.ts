// Emitted code that only adds register-free calls beside an instruction's own
// semantics (the binary translator's block counter) compiles like native code:
// the region keeps its loop, flags stay exact, and faults leave precise state.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { machine, runToHalt } from './helpers';
import { Reg } from '../../src/x86/registers';
import { Vector } from '../../src/x86/exceptions';
import type { InstructionEmitter } from '../../src/x86/block-compiler';
import { lookupsDuring } from './block-lookups';

/** An emitter counting each block's entries through a register-free closure, as the translator does. */
function counting(): { emitter: InstructionEmitter; entries: () => number } {
	let entries = 0;
	const emitter: InstructionEmitter = (ins, index, ctx) => (index === 0 ? `${ctx.external(() => { entries++; }, { registerFree: true })}(); ${ctx.native(ins)}` : null);
	return { emitter, entries: () => entries };
}

// `jmp` and `ret` alone in their blocks: emitted code is then a block's last instruction.
const CALLS = `mov ecx, 500
xor eax, eax
l: call f
jmp next
next: add ecx, -1
jnz l
hlt
f: add eax, ecx
ret`;

test('blocks that start or end with register-free emitted code stay inside one region', () => {
	const m = machine(CALLS);
	const { emitter, entries } = counting();
	m.cpu.cpl = 0;
	const lookups = lookupsDuring(m, () => {
		const exit = m.cpu.run(100_000, { emitterFor: () => emitter });
		assert.equal(exit.kind, 'halt');
	});
	assert.equal(m.cpu.regs[Reg.EAX], (500 * 501) / 2);
	// Four blocks per iteration are entered through the counter; the dispatch stays in compiled code.
	assert.ok(entries() >= 4 * 500, `counter ran ${entries()} times`);
	assert.ok(lookups < 20, `${lookups} region lookups: the loop left its region`);
});

test('register-free emitted code gives the same registers, flags and count as native code', () => {
	const source = `mov ecx, 300
mov ebx, 7
l: sub ebx, ecx
adc eax, ebx
cmp ebx, 5
jl skip
rol ebx, 3
skip: add ecx, -1
jnz l
setc dl
hlt`;
	const native = machine(source);
	const emitted = machine(source);
	native.cpu.cpl = 0;
	emitted.cpu.cpl = 0;
	runToHalt(native);
	const { emitter } = counting();
	assert.equal(emitted.cpu.run(100_000, { emitterFor: () => emitter }).kind, 'halt');
	assert.deepEqual([...emitted.cpu.regs], [...native.cpu.regs]);
	assert.equal(emitted.cpu.getEflags(), native.cpu.getEflags());
	assert.equal(emitted.cpu.instructionCount, native.cpu.instructionCount);
});

test('a fault in register-free emitted code leaves the state before the faulting instruction', () => {
	const m = machine(`mov eax, 5
jmp t
t: mov ebx, [0x7ffffff0]
hlt`);
	const { emitter } = counting();
	m.cpu.cpl = 0;
	m.cpu.seg[3].limit = 0xffff;
	const exit = m.cpu.run(100, { emitterFor: () => emitter });
	assert.equal(exit.kind, 'exception');
	if (exit.kind === 'exception') assert.equal(exit.exception.vector, Vector.GP);
	assert.equal(m.cpu.regs[Reg.EAX], 5);
	assert.equal(m.cpu.instructionCount, 2);
	assert.equal(m.cpu.eip, 0x1000 + 5 + 2);
});
