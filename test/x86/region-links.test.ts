// Chaining: a region remembers the region execution went to next for each EIP
// it left at, so the run loop skips the cache lookup. A link must never run
// code that is no longer what the linear address holds, or skip a stop: these
// tests make links, then change what they point to in every way the CPU knows.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { machine, type TestMachine } from './helpers';
import { Reg } from '../../src/x86/registers';
import { BlockCache } from '../../src/x86/block-cache';
import type { InstructionEmitter } from '../../src/x86/block-compiler';
import { linear, type PhysicalAddress } from '../../src/x86/addresses';
import { lookupsDuring } from './block-lookups';
import { DIRECTORIES, enterTwoAddressSpaces, PTE_PRESENT, PTE_WRITABLE, switchAddressSpace } from './two-address-spaces';

/** `f` sits two pages above the loop: every call and every return leaves a region. */
const CALLS = (iterations: number, f: string): string => `mov ecx, ${iterations}
xor ebx, ebx
l: call f
add ebx, eax
cmp ecx, PATCH_AT
jne skip
mov byte [f + 1], 2
skip: dec ecx
jnz l
hlt
times 0x2000 - ($ - $$) db 0
f: ${f}`;

const F = 0x3000;
const RETURN_ONE = 'mov eax, 1\nret';

function calls(iterations: number, patchAt = -1, f = RETURN_ONE): TestMachine {
	return machine(CALLS(iterations, f).replace('PATCH_AT', String(patchAt)));
}

test('calls between regions follow links instead of looking the next region up', () => {
	const m = calls(500);
	const lookups = lookupsDuring(m, () => assert.equal(m.cpu.run(100_000).kind, 'halt'));
	assert.equal(m.cpu.regs[Reg.EBX], 500);
	// 1000 region changes; only the first of each kind goes through the cache.
	assert.ok(lookups < 30, `${lookups} lookups for 1000 region changes`);
});

test('a guest store into linked code makes the next call run the new code', () => {
	const m = calls(200, 100);
	assert.equal(m.cpu.run(100_000).kind, 'halt');
	// ECX 200..100 saw the old `mov eax, 1`, 99..1 the patched `mov eax, 2`.
	assert.equal(m.cpu.regs[Reg.EBX], 101 + 2 * 99);
});

test('code loaded behind the CPU (then invalidated) replaces a linked region', () => {
	const m = calls(1_000_000);
	assert.equal(m.cpu.run(5_000).kind, 'budget');
	const before = m.cpu.regs[Reg.EBX];
	m.memory.ram[F + 1] = 3;
	m.cpu.invalidateCode(F as PhysicalAddress, 1);
	assert.equal(m.cpu.run(5_000).kind, 'budget');
	// 5000 instructions are 625 iterations of 8: the old code would have added about 625.
	assert.ok(m.cpu.regs[Reg.EBX] - before > 3 * 600, `gained ${m.cpu.regs[Reg.EBX] - before}`);
});

test('everything invalidated at once (an emitter change) leaves no link to follow', () => {
	const m = calls(1_000_000);
	assert.equal(m.cpu.run(5_000).kind, 'budget');
	m.memory.ram[F + 1] = 4;
	m.cpu.invalidateAllBlocks();
	const before = m.cpu.regs[Reg.EBX];
	assert.equal(m.cpu.run(5_000).kind, 'budget');
	assert.ok(m.cpu.regs[Reg.EBX] - before > 4 * 600, `gained ${m.cpu.regs[Reg.EBX] - before}`);
});

test('a stop address set after a link was made stops execution there', () => {
	const m = calls(1_000_000);
	assert.equal(m.cpu.run(5_000).kind, 'budget');
	m.cpu.setStopAddresses(new Set([F]));
	const exit = m.cpu.run(5_000);
	assert.deepEqual(exit, { kind: 'stop-address', address: F });
	assert.equal(m.cpu.eip, F);
});

test('a link made without an emitter is not followed once one applies', () => {
	const m = calls(1_000_000);
	m.cpu.cpl = 0;
	assert.equal(m.cpu.run(5_000).kind, 'budget');
	let seen = 0;
	const emitter: InstructionEmitter = (ins, _index, ctx) =>
		ins.linear === F ? `${ctx.external(() => { seen++; }, { registerFree: true })}(); ${ctx.native(ins)}` : null;
	assert.equal(m.cpu.run(5_000, { emitterFor: () => emitter }).kind, 'budget');
	assert.ok(seen > 600, `the emitted code ran ${seen} times`);
});

test('a loop is compiled without its way out, which gets a region of its own', () => {
	const m = machine(`mov ecx, 100
l: add eax, 3
dec ecx
jnz l
add eax, 1
hlt`);
	assert.equal(m.cpu.run(10_000).kind, 'halt');
	assert.equal(m.cpu.regs[Reg.EAX], 301);
	const key = (address: number): number => BlockCache.key(address, 0, false);
	const loop = m.cpu.blocks.get(key(0x1005));
	const exit = m.cpu.blocks.get(key(0x100b));
	assert.ok(loop && exit);
	assert.notEqual(loop, exit);
	assert.ok(!loop.blocks.some((b) => b.linear === 0x100b), 'the exit block is not in the loop region');
});

test('the return address of a call to a loop gets a region of its own; that of a plain call does not', () => {
	const m = machine(`mov ecx, 100
call spin
add eax, 1
call plain
hlt
spin: dec ecx
jnz spin
ret
plain: add eax, 2
ret`);
	assert.equal(m.cpu.run(10_000).kind, 'halt');
	assert.equal(m.cpu.regs[Reg.EAX], 3);
	const key = (address: number): number => BlockCache.key(address, 0, false);
	const first = m.cpu.blocks.get(key(0x1000));
	const afterSpin = m.cpu.blocks.get(key(0x100a));
	assert.ok(first && afterSpin);
	assert.ok(first.blocks.some((b) => b.linear === 0x1013), 'the loop is compiled with its caller');
	assert.ok(!first.blocks.some((b) => b.linear === 0x100a), 'the code after the loop is not');
	// After `call plain` (no loop), the return address is compiled with the call.
	assert.ok(afterSpin.blocks.some((b) => b.linear === 0x1012), 'the return from a plain call stays in the region');
});

test('a region entered inside a loop (as a return from a handler does) compiles the loop with it; one entered before a loop does not', () => {
	const m = machine(`mov ecx, 50
l: add eax, 1
mid: add ebx, 1
dec ecx
jnz l
inc edx
mov ecx, 50
cmp edx, 1
je enter_mid
cmp edx, 2
je enter_head
hlt
enter_mid: push mid
ret
enter_head: push head
ret
head: jmp l`);
	assert.equal(m.cpu.run(10_000).kind, 'halt');
	assert.equal(m.cpu.regs[Reg.EAX], 149);
	assert.equal(m.cpu.regs[Reg.EBX], 150);
	const key = (address: number): number => BlockCache.key(address, 0, false);
	const blockAt = (address: number) => m.cpu.blocks.get(key(address))?.blocks.find((b) => b.linear === address);
	const LOOP = 0x1005, MID = 0x1008, HEAD = 0x102b;
	assert.equal(blockAt(HEAD)?.instructions[0].mnemonic, 'jmp');
	// Without the loop's head, the region entered at MID would leave for the loop's region at every iteration.
	assert.ok(m.cpu.blocks.get(key(MID))?.blocks.some((b) => b.linear === LOOP), 'the loop is compiled with the entry inside it');
	// A jump to the loop from elsewhere reaches the loop's own region, which V8 has already optimised.
	assert.ok(!m.cpu.blocks.get(key(HEAD))?.blocks.some((b) => b.linear === LOOP), 'the loop is not compiled again with an entry before it');
});

test('a region takes in a cached block its entry goes to when that block is no loop (as after a system call returns)', () => {
	const m = machine(`call tail
call fresh
hlt
fresh: push after
ret
after: jmp tail
tail: add eax, 1
ret`);
	assert.equal(m.cpu.run(10_000).kind, 'halt');
	assert.equal(m.cpu.regs[Reg.EAX], 2);
	const AFTER = 0x1011, TAIL = 0x1013;
	const region = m.cpu.blocks.get(BlockCache.key(AFTER, 0, false));
	assert.equal(region?.blocks[0].instructions[0].mnemonic, 'jmp');
	assert.ok(region?.blocks.some((b) => b.linear === TAIL), 'the cached block is compiled with the entry that goes to it');
});

// Paging: the code of `f` at linear 4 MiB comes from one of two frames.
const LINEAR_F = 0x400000;
const FRAMES = [0x500000, 0x600000] as const;

/** The call loop with `f` at linear 4 MiB, which the two address spaces map to FRAMES[0] and FRAMES[1]. */
function pagedCalls(): TestMachine {
	const m = machine(CALLS(1_000_000, RETURN_ONE).replace('PATCH_AT', '-1').replace(/times 0x2000[^\n]*\nf:[^]*$/, `f equ ${LINEAR_F}`), 0x1000, 0x1000000);
	// `mov eax, 1/2; ret` in each frame.
	FRAMES.forEach((frame, i) => m.memory.ram.set([0xb8, i + 1, 0, 0, 0, 0xc3], frame));
	enterTwoAddressSpaces(m, FRAMES);
	return m;
}

function gainedOver(m: TestMachine, budget: number): number {
	const before = m.cpu.regs[Reg.EBX];
	assert.equal(m.cpu.run(budget).kind, 'budget');
	return m.cpu.regs[Reg.EBX] - before;
}

test('after a CR3 write a link to code the new address space maps elsewhere is not followed', () => {
	const m = pagedCalls();
	const first = gainedOver(m, 5_000);
	assert.ok(first > 600 && first < 1000, `gained ${first}`);
	switchAddressSpace(m, DIRECTORIES[1]);
	const second = gainedOver(m, 5_000);
	assert.ok(second > 2 * 600, `gained ${second}`);
});

test('after INVLPG of a remapped page a link to its old code is not followed', () => {
	const m = pagedCalls();
	gainedOver(m, 5_000);
	m.memory.setU32(DIRECTORIES[0] + 0x2000, FRAMES[1] | PTE_PRESENT | PTE_WRITABLE);
	m.cpu.invlpg(linear(LINEAR_F));
	const gained = gainedOver(m, 5_000);
	assert.ok(gained > 2 * 600, `gained ${gained}`);
});
