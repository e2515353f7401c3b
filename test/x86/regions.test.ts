// Compiled regions: registers in locals, loops inside one function, dead flag
// work dropped, stop addresses and code stores invalidating only what they touch.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { machine, type TestMachine } from './helpers';
import { Flag, Reg } from '../../src/x86/registers';
import { Vector } from '../../src/x86/exceptions';
import { SLICE } from '../../src/x86/run';
import type { InstructionEmitter } from '../../src/x86/block-compiler';

const LOOP = `mov ecx, 1000
xor eax, eax
xor ebx, ebx
l: add eax, 3
xor ebx, eax
shl ebx, 1
add ecx, -1
jnz l
hlt`;

/** Linear address of the instruction `index` instructions into the program at 0x1000. */
function addressOf(m: TestMachine, index: number): number {
	let eip = 0x1000;
	for (let i = 0; i < index; i++) {
		const saved = m.cpu.saveState();
		m.cpu.eip = eip;
		m.cpu.run(1);
		eip = m.cpu.eip;
		m.cpu.loadState(saved);
	}
	return eip;
}

function state(m: TestMachine) {
	return { regs: [...m.cpu.regs], eip: m.cpu.eip, count: m.cpu.instructionCount, flags: m.cpu.getEflags() };
}

test('budgets are exact across a compiled loop: run(1) steps match one run(n)', () => {
	const stepped = machine(LOOP);
	const whole = machine(LOOP);
	for (let i = 0; i < 137; i++) assert.deepEqual(stepped.cpu.run(1), { kind: 'budget' });
	assert.deepEqual(whole.cpu.run(137), { kind: 'budget' });
	assert.deepEqual(state(stepped), state(whole));
	assert.equal(whole.cpu.instructionCount, 137);
	// Budgets that end inside the loop block, again and again.
	for (const n of [5, 1, 7, 3, 2, 11]) {
		whole.cpu.run(n);
		for (let i = 0; i < n; i++) stepped.cpu.run(1);
		assert.deepEqual(state(stepped), state(whole));
	}
	assert.deepEqual(whole.cpu.run(1_000_000), { kind: 'halt' });
	assert.equal(whole.cpu.instructionCount, 3 + 5 * 1000 + 1);
});

test('an exception inside a compiled loop leaves the registers, flags, EIP and count of the faulting instruction', () => {
	// ESI walks up until the load crosses the DS limit; the loop has run compiled many times by then.
	const m = machine(`mov esi, 0x8000
xor edx, edx
l: add edx, 1
mov eax, -1
add eax, 1
mov ebx, [esi]
add esi, 0x100
cmp edx, edx
jmp l`);
	m.cpu.seg[3] = { ...m.cpu.seg[3], limit: 0x8000 + 0x100 * 200 };
	const exit = m.cpu.run(100_000);
	assert.equal(exit.kind === 'exception' && exit.exception.vector, Vector.GP);
	assert.equal(m.cpu.regs[Reg.EDX], 201, 'the iteration that faulted did its add');
	assert.equal(m.cpu.regs[Reg.ESI], (0x8000 + 0x100 * 200) | 0);
	assert.equal(m.cpu.regs[Reg.EAX], 0);
	assert.equal(m.cpu.instructionCount, 2 + 200 * 7 + 3);
	assert.equal(m.cpu.eip, addressOf(m, 5));
	const flags = m.cpu.getEflags();
	assert.equal(flags & (Flag.CF | Flag.ZF), Flag.CF | Flag.ZF, 'the flags of add eax, 1 (not dropped as dead)');
});

test('dead flag work is dropped without changing any observable flag', () => {
	const m = machine(`mov eax, 0xffffffff
add eax, 1
inc eax
sub eax, 5
cmp eax, 3
setb cl
setl dl
hlt`);
	assert.deepEqual(m.cpu.run(100), { kind: 'halt' });
	assert.equal(m.cpu.regs[Reg.ECX] & 0xff, 0, '-4 is not below 3 unsigned');
	assert.equal(m.cpu.regs[Reg.EDX] & 0xff, 1, '-4 is less than 3 signed');
	assert.equal(m.cpu.getEflags() & (Flag.CF | Flag.SF | Flag.OF | Flag.ZF), Flag.SF);
});

test('a stop address inside a compiled loop stops it; clearing it lets the loop run on compiled', () => {
	const m = machine(LOOP);
	m.cpu.run(500);
	const regionsBefore = m.cpu.blocks.size;
	const shl = addressOf(m, 5);
	m.cpu.setStopAddresses(new Set([shl]));
	const exit = m.cpu.run(100_000);
	assert.deepEqual(exit, { kind: 'stop-address', address: shl });
	assert.equal(m.cpu.eip, shl);
	const count = m.cpu.instructionCount;
	assert.deepEqual(m.cpu.run(100_000), { kind: 'stop-address', address: shl });
	assert.equal(m.cpu.instructionCount, count + 5, 'one iteration between two stops');
	m.cpu.setStopAddresses(new Set());
	assert.deepEqual(m.cpu.run(1_000_000), { kind: 'halt' });
	assert.equal(m.cpu.instructionCount, 3 + 5 * 1000 + 1);
	assert.ok(regionsBefore > 0);
});

test('setting a stop address keeps regions that do not cover it', () => {
	const m = machine(`${LOOP}\ntimes 8192 nop\nfarther: hlt`);
	m.cpu.run(100);
	const before = m.cpu.blocks.size;
	m.cpu.setStopAddresses(new Set([0x1000 + 0x1800]));
	assert.equal(m.cpu.blocks.size, before, 'nothing compiled covers the new stop address');
	m.cpu.setStopAddresses(new Set([addressOf(m, 4)]));
	assert.ok(m.cpu.blocks.size < before, 'the loop region covering it is dropped');
});

test('self-modifying code inside a loop: each iteration runs the bytes just stored', () => {
	// The loop rewrites the immediate of its own `add` with the iteration number.
	const m = machine(`mov ecx, 1
xor ebx, ebx
l: mov [patch + 1], ecx
patch: mov eax, 0
add ebx, eax
add ecx, 1
cmp ecx, 101
jne l
hlt`);
	assert.deepEqual(m.cpu.run(100_000), { kind: 'halt' });
	assert.equal(m.cpu.regs[Reg.EBX], (100 * 101) / 2);
});

test('a callout inside a compiled loop sees the current registers and its changes stick', () => {
	const m = machine(`mov ecx, 50
xor eax, eax
l: add eax, 2
cpuid
add ecx, -1
jnz l
hlt`);
	const seen: number[] = [];
	const emitter: InstructionEmitter = (ins, _i, ctx) => {
		if (ins.mnemonic !== 'cpuid') return null;
		const f = ctx.external(() => {
			seen.push(m.cpu.regs[Reg.EAX]);
			m.cpu.regs[Reg.EDX] = (m.cpu.regs[Reg.EDX] + m.cpu.regs[Reg.EAX]) | 0;
			m.cpu.regs[Reg.EAX] = (m.cpu.regs[Reg.EAX] + 1) | 0;
		});
		return `${f}();`;
	};
	assert.deepEqual(m.cpu.run(100_000, { emitterFor: () => emitter }), { kind: 'halt' });
	assert.equal(seen.length, 50);
	assert.deepEqual(seen.slice(0, 3), [2, 5, 8]);
	assert.equal(m.cpu.regs[Reg.EAX], 150);
	assert.equal(m.cpu.regs[Reg.EDX], seen.reduce((a, b) => a + b, 0));
});

test('an interrupt raised while an infinite loop runs compiled is taken within a bounded number of instructions', () => {
	const m = machine('l: add eax, 1\njmp l');
	m.cpu.setEflags(m.cpu.getEflags() | Flag.IF);
	const raiseAt = 100_000;
	m.cpu.interruptLine = { pending: () => m.cpu.instructionCount >= raiseAt, acknowledge: () => 0x20 };
	assert.deepEqual(m.cpu.run(10_000_000), { kind: 'interrupt' });
	assert.ok(m.cpu.instructionCount >= raiseAt);
	assert.ok(m.cpu.instructionCount <= raiseAt + SLICE, `latency ${m.cpu.instructionCount - raiseAt}`);
});

test('ring-3 code on a page with ring-0 code runs compiled at each CPL', () => {
	const m = machine(LOOP);
	m.cpu.run(100);
	const ring0 = m.cpu.blocks.size;
	m.cpu.cpl = 3;
	m.cpu.run(100);
	assert.ok(m.cpu.blocks.size > ring0, 'ring 3 has its own compiled entry points');
	m.cpu.cpl = 0;
	m.cpu.run(100);
	assert.equal(m.cpu.instructionCount, 300);
});
