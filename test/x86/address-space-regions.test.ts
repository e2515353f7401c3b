// Compiled regions across address-space changes: after a CR3 write or an
// INVLPG, a region is reused when its linear pages still map the physical pages
// it was decoded from, and recompiled when they map other code.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { assemble, machine, type TestMachine } from './helpers';
import { Cr0, Reg } from '../../src/x86/registers';
import { linear } from '../../src/x86/addresses';

const P = 1, RW = 2;
const CODE = 0x400000;
const LOOP = (step: number): string => `l: add eax, ${step}
dec ecx
jnz l
hlt`;

/** Two page directories identity-mapping the low 4 MiB; linear 4 MiB maps physical `frames[i]` in directory i. */
function twoSpaces(frames: [number, number]): { m: TestMachine; directories: number[] } {
	const m = machine('hlt', 0x1000, 0x1000000);
	const directories = [0x10000, 0x20000];
	directories.forEach((pd, i) => {
		const low = pd + 0x1000, high = pd + 0x2000;
		m.memory.setU32(pd, low | P | RW);
		for (let n = 0; n < 1024; n++) m.memory.setU32(low + 4 * n, (n << 12) | P | RW);
		m.memory.setU32(pd + 4, high | P | RW);
		m.memory.setU32(high, frames[i] | P | RW);
	});
	m.cpu.cr3 = directories[0];
	m.cpu.cr0 |= Cr0.PG;
	m.cpu.flushTlb();
	return { m, directories };
}

/** A CR3 load as the hardware does it. */
function switchTo(m: TestMachine, directory: number): void {
	m.cpu.cr3 = directory;
	m.cpu.flushTlb();
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
	const { m, directories } = twoSpaces([0x200000, 0x300000]);
	m.memory.ram.set(assemble(LOOP(1), CODE), 0x200000);
	m.memory.ram.set(assemble(LOOP(100), CODE), 0x300000);
	assert.equal(runLoop(m).eax, 10);
	switchTo(m, directories[1]);
	const other = runLoop(m);
	assert.equal(other.eax, 1000);
	assert.ok(other.compiled > 0, 'the other space\'s code is compiled for it');
	switchTo(m, directories[0]);
	assert.equal(runLoop(m).eax, 10);
});

test('the same physical code at the same linear address is reused after a switch', () => {
	const { m, directories } = twoSpaces([0x200000, 0x200000]);
	m.memory.ram.set(assemble(LOOP(3), CODE), 0x200000);
	assert.equal(runLoop(m).eax, 30);
	switchTo(m, directories[1]);
	assert.deepEqual(runLoop(m), { eax: 30, compiled: 0 });
});

test('code unmapped by the new address space faults instead of running stale', () => {
	const { m, directories } = twoSpaces([0x200000, 0x300000]);
	m.memory.ram.set(assemble(LOOP(1), CODE), 0x200000);
	assert.equal(runLoop(m).eax, 10);
	m.memory.setU32(directories[1] + 0x2000, 0);
	switchTo(m, directories[1]);
	m.cpu.halted = false;
	m.cpu.eip = CODE;
	const exit = m.cpu.run(100);
	assert.equal(exit.kind, 'exception');
	if (exit.kind === 'exception') assert.equal(exit.exception.faultAddress, CODE);
});

test('INVLPG after a PTE rewrite runs the newly mapped code', () => {
	const { m, directories } = twoSpaces([0x200000, 0x200000]);
	m.memory.ram.set(assemble(LOOP(1), CODE), 0x200000);
	m.memory.ram.set(assemble(LOOP(100), CODE), 0x300000);
	assert.equal(runLoop(m).eax, 10);
	m.memory.setU32(directories[0] + 0x2000, 0x300000 | P | RW);
	m.cpu.invlpg(linear(CODE));
	assert.equal(runLoop(m).eax, 1000);
});
