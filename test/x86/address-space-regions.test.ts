// Compiled regions across address-space changes: after a CR3 write or an
// INVLPG, a region is reused when its linear pages still map the physical pages
// it was decoded from, and recompiled when they map other code.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { assemble, machine, type TestMachine } from './helpers';
import { Cr4, Reg } from '../../src/x86/registers';
import { linear } from '../../src/x86/addresses';
import { DIRECTORIES, enterTwoAddressSpaces, PTE_PRESENT, PTE_WRITABLE, switchAddressSpace } from './two-address-spaces';

const CODE = 0x400000;
/** PS: a page-directory entry that maps 4 MiB itself. */
const PTE_LARGE = 0x80;
const LOOP = (step: number): string => `l: add eax, ${step}
dec ecx
jnz l
hlt`;

/** The two spaces of two-address-spaces.ts, with linear 4 MiB (CODE) mapping `frames[i]` in space i. */
function twoSpaces(frames: [number, number]): TestMachine {
	const m = machine('hlt', 0x1000, 0x1000000);
	enterTwoAddressSpaces(m, frames);
	return m;
}

/** Runs the loop at CODE ten times round; returns EAX and how many regions were compiled for it. */
function runLoop(m: TestMachine): { eax: number; compiled: number } {
	const cache = m.cpu.blocks;
	const add = cache.add.bind(cache);
	let compiled = 0;
	cache.add = (entry) => {
		compiled++;
		add(entry);
	};
	try {
		m.cpu.halted = false;
		m.cpu.eip = CODE;
		m.cpu.regs[Reg.EAX] = 0;
		m.cpu.regs[Reg.ECX] = 10;
		assert.equal(m.cpu.run(1000).kind, 'halt');
	} finally {
		cache.add = add;
	}
	return { eax: m.cpu.regs[Reg.EAX], compiled };
}

test('different code at the same linear address in two address spaces runs as mapped', () => {
	const m = twoSpaces([0x200000, 0x300000]);
	m.memory.ram.set(assemble(LOOP(1), CODE), 0x200000);
	m.memory.ram.set(assemble(LOOP(100), CODE), 0x300000);
	assert.equal(runLoop(m).eax, 10);
	switchAddressSpace(m, DIRECTORIES[1]);
	const other = runLoop(m);
	assert.equal(other.eax, 1000);
	assert.ok(other.compiled > 0, 'the other space\'s code is compiled for it');
	switchAddressSpace(m, DIRECTORIES[0]);
	assert.equal(runLoop(m).eax, 10);
});

test('the same physical code at the same linear address is reused after a switch', () => {
	const m = twoSpaces([0x200000, 0x200000]);
	m.memory.ram.set(assemble(LOOP(3), CODE), 0x200000);
	assert.equal(runLoop(m).eax, 30);
	switchAddressSpace(m, DIRECTORIES[1]);
	assert.deepEqual(runLoop(m), { eax: 30, compiled: 0 });
});

test('code unmapped by the new address space faults instead of running stale', () => {
	const m = twoSpaces([0x200000, 0x300000]);
	m.memory.ram.set(assemble(LOOP(1), CODE), 0x200000);
	assert.equal(runLoop(m).eax, 10);
	m.memory.setU32(DIRECTORIES[1] + 0x2000, 0);
	switchAddressSpace(m, DIRECTORIES[1]);
	m.cpu.halted = false;
	m.cpu.eip = CODE;
	const exit = m.cpu.run(100);
	assert.equal(exit.kind, 'exception');
	if (exit.kind === 'exception') assert.equal(exit.exception.faultAddress, CODE);
});

test('INVLPG after a PTE rewrite runs the newly mapped code', () => {
	const m = twoSpaces([0x200000, 0x200000]);
	m.memory.ram.set(assemble(LOOP(1), CODE), 0x200000);
	m.memory.ram.set(assemble(LOOP(100), CODE), 0x300000);
	assert.equal(runLoop(m).eax, 10);
	m.memory.setU32(DIRECTORIES[0] + 0x2000, 0x300000 | PTE_PRESENT | PTE_WRITABLE);
	m.cpu.invlpg(linear(CODE));
	assert.equal(runLoop(m).eax, 1000);
});

test('INVLPG of a page no compiled code came through leaves the regions\' mapping checks alone', () => {
	const m = twoSpaces([0x200000, 0x200000]);
	m.memory.ram.set(assemble(LOOP(1), CODE), 0x200000);
	runLoop(m);
	const epoch = m.cpu.blocks.mappingEpoch;
	m.cpu.invlpg(linear(CODE + 0x1000));
	assert.equal(m.cpu.blocks.mappingEpoch, epoch, 'a data page');
	m.cpu.invlpg(linear(CODE));
	assert.ok(m.cpu.blocks.mappingEpoch > epoch, 'the code page');
});

test('code through a 4 MiB page runs newly mapped after its directory entry changes and INVLPG anywhere in it', () => {
	const m = twoSpaces([0x200000, 0x200000]);
	m.cpu.cr4 |= Cr4.PSE;
	// Linear 4-8 MiB as one large page onto physical 8 MiB, then onto 12 MiB.
	m.memory.setU32(DIRECTORIES[0] + 4, 0x800000 | PTE_LARGE | PTE_PRESENT | PTE_WRITABLE);
	m.cpu.flushTlb();
	m.memory.ram.set(assemble(LOOP(1), CODE), 0x800000);
	m.memory.ram.set(assemble(LOOP(100), CODE), 0xc00000);
	assert.equal(runLoop(m).eax, 10);
	m.memory.setU32(DIRECTORIES[0] + 4, 0xc00000 | PTE_LARGE | PTE_PRESENT | PTE_WRITABLE);
	m.cpu.invlpg(linear(CODE + 0x123000));
	assert.equal(runLoop(m).eax, 1000);
});
