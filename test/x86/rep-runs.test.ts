// REP STOSD and REP MOVSD fill and copy whole runs of RAM at a time (a page,
// or what is left of the count, the segment or RAM). What they leave must be
// exactly what element-by-element execution leaves: the same bytes, the same
// registers, the fault at the same element with the registers of the elements
// done, and a copy onto its own source smeared as the hardware smears it.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Vector } from '../../src/x86/exceptions';
import { Cr0, Reg } from '../../src/x86/registers';
import { machine, u32 } from './helpers';

const P = 1, RW = 2;
const PD = 0x10000, PT = 0x11000;
/** Mapped (identity, writable) below 0x400000; 0x400000 and up are not present. */
const UNMAPPED = 0x400000;

function paged(source: string) {
	const m = machine(`${source}\nhlt`, 0x1000, 0x800000);
	m.memory.setU32(PD, PT | P | RW);
	for (let i = 0; i < 1024; i++) m.memory.setU32(PT + 4 * i, (i << 12) | P | RW);
	m.cpu.cr3 = PD;
	m.cpu.cr0 |= Cr0.PG;
	m.cpu.flushTlb();
	return m;
}

test('REP STOSD over several pages stores every dword and leaves EDI past them, ECX 0', () => {
	const m = paged('mov edi, 0x200ffc\nmov ecx, 3000\nmov eax, 0x5a5a1234\nrep stosd');
	assert.equal(m.cpu.run(100).kind, 'halt');
	for (let i = 0; i < 3000; i++) assert.equal(m.memory.u32(0x200ffc + 4 * i), 0x5a5a1234, `dword ${i}`);
	assert.equal(m.memory.u32(0x200ffc + 4 * 3000), 0, 'nothing past the count');
	assert.equal(u32(m.cpu.regs[Reg.EDI]), 0x200ffc + 4 * 3000);
	assert.equal(m.cpu.regs[Reg.ECX], 0);
	assert.equal(m.cpu.instructionCount, 5, 'one instruction for the whole REP');
});

test('REP STOSD into an unmapped page faults at its first dword, the elements before it done', () => {
	const m = paged(`mov edi, ${UNMAPPED - 0x2000}\nmov ecx, 0x1000\nmov eax, 7\nrep stosd`);
	const exit = m.cpu.run(100);
	assert.equal(exit.kind, 'exception');
	if (exit.kind !== 'exception') return;
	assert.equal(exit.exception.vector, Vector.PF);
	assert.equal(exit.exception.faultAddress, UNMAPPED);
	assert.equal(u32(m.cpu.regs[Reg.EDI]), UNMAPPED);
	assert.equal(m.cpu.regs[Reg.ECX], 0x1000 - 0x800);
	assert.equal(m.memory.u32(UNMAPPED - 4), 7);
});

test('REP MOVSD onto its own source one dword up smears the first dword, as element by element', () => {
	const m = machine('mov esi, 0x5000\nmov edi, 0x5004\nmov ecx, 100\nrep movsd\nhlt');
	for (let i = 0; i <= 100; i++) m.memory.setU32(0x5000 + 4 * i, 0x1000 + i);
	assert.equal(m.cpu.run(100).kind, 'halt');
	for (let i = 0; i <= 100; i++) assert.equal(m.memory.u32(0x5000 + 4 * i), 0x1000, `dword ${i}`);
});

test('REP MOVSD down onto an overlapping source and across pages copies as element by element', () => {
	const m = machine('mov esi, 0x5ff8\nmov edi, 0x5ff0\nmov ecx, 1500\nrep movsd\nhlt');
	for (let i = 0; i < 1502; i++) m.memory.setU32(0x5ff0 + 4 * i, i * 3);
	assert.equal(m.cpu.run(100).kind, 'halt');
	for (let i = 0; i < 1500; i++) assert.equal(m.memory.u32(0x5ff0 + 4 * i), (i + 2) * 3, `dword ${i}`);
	assert.equal(u32(m.cpu.regs[Reg.ESI]), 0x5ff8 + 4 * 1500);
	assert.equal(u32(m.cpu.regs[Reg.EDI]), 0x5ff0 + 4 * 1500);
});

test('REP STOSD over code the CPU has compiled drops it, as any store into code', () => {
	// The loop stores over its own second iteration's instruction: NOP NOP -> INC EBX, twice (0x43 0x43).
	const m = machine(`mov ebx, 0
mov edx, 2
again:
patched:
nop
nop
nop
nop
mov edi, patched
mov ecx, 1
mov eax, 0x43434343
rep stosd
dec edx
jnz again
hlt`);
	assert.equal(m.cpu.run(1000).kind, 'halt');
	assert.equal(m.cpu.regs[Reg.EBX], 4, 'the second pass ran the stored code');
});
