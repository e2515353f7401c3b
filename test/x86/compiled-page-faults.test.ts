// A page fault in compiled code leaves without a JavaScript throw (the load or
// store hands it back in c.fault): the state it leaves must still be exactly
// the state before the faulting instruction, for every way a template reads
// and writes memory: a source operand, a read-modify-write destination, a
// store, a store after the template moved ESP (POP m), 8/16/32-bit sizes, and
// an access straddling into the unmapped page.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { linear } from '../../src/x86/addresses';
import { Vector } from '../../src/x86/exceptions';
import { Cr0, Reg } from '../../src/x86/registers';
import { machine } from './helpers';

const P = 1, RW = 2;
const PD = 0x10000, PT = 0x11000;
/** Mapped (identity, writable) below 0x400000; 0x400000 and up are not present. */
const UNMAPPED = 0x400000;
const DATA = 0x3000;

/** `setup`, then `faulting`, then code that must not run; paging on, identity below 4 MiB. */
function faultAfter(setup: string, faulting: string) {
	const m = machine(`${setup}\n${faulting}\nmov edi, 0xdead\nhlt`, 0x1000, 0x800000);
	const { cpu, memory } = m;
	memory.setU32(PD, PT | P | RW);
	for (let i = 0; i < 1024; i++) memory.setU32(PT + 4 * i, (i << 12) | P | RW);
	cpu.cr3 = PD;
	cpu.cr0 |= Cr0.PG;
	cpu.flushTlb();
	return m;
}

const cases: { name: string; setup: string; faulting: string; address: number; write: boolean }[] = [
	{ name: 'a 32-bit source operand', setup: `mov ebx, ${UNMAPPED + 8}\nmov eax, 5`, faulting: 'add eax, [ebx]', address: UNMAPPED + 8, write: false },
	{ name: 'a read-modify-write destination', setup: `mov ebx, ${UNMAPPED + 4}\nmov eax, 5`, faulting: 'add [ebx], eax', address: UNMAPPED + 4, write: false },
	{ name: 'XCHG with memory', setup: `mov ebx, ${UNMAPPED}\nmov ecx, 7`, faulting: 'xchg [ebx], ecx', address: UNMAPPED, write: false },
	{ name: 'a 16-bit read-modify-write', setup: `mov ebx, ${UNMAPPED + 2}`, faulting: 'inc word [ebx]', address: UNMAPPED + 2, write: false },
	{ name: 'an 8-bit store', setup: `mov ebx, ${UNMAPPED + 1}\nmov eax, 9`, faulting: 'mov [ebx], al', address: UNMAPPED + 1, write: true },
	{ name: 'a 32-bit store', setup: `mov ebx, ${UNMAPPED + 12}\nmov eax, 9`, faulting: 'mov [ebx], eax', address: UNMAPPED + 12, write: true },
	{ name: 'a store straddling into the unmapped page', setup: `mov ebx, ${UNMAPPED - 2}\nmov eax, 9`, faulting: 'mov [ebx], eax', address: UNMAPPED, write: true },
	{ name: 'POP to memory (ESP moved before the store)', setup: `mov ebx, ${UNMAPPED + 16}\npush dword 0x55`, faulting: 'pop dword [ebx]', address: UNMAPPED + 16, write: true },
	{ name: 'PUSH from memory', setup: `mov ebx, ${UNMAPPED + 20}`, faulting: 'push dword [ebx]', address: UNMAPPED + 20, write: false },
	{ name: 'a shift of memory by CL', setup: `mov ebx, ${UNMAPPED}\nmov cl, 3`, faulting: 'shl dword [ebx], cl', address: UNMAPPED, write: false },
	{ name: 'CMPXCHG with memory', setup: `mov ebx, ${UNMAPPED + 24}\nmov eax, 1\nmov ecx, 2`, faulting: 'cmpxchg [ebx], ecx', address: UNMAPPED + 24, write: false },
];

for (const c of cases) {
	test(`a page fault on ${c.name} leaves the state before the instruction`, () => {
		const { cpu, memory } = faultAfter(c.setup, c.faulting);
		const setupLength = c.setup.split('\n').length;
		// Run the set-up alone first to know the state the faulting instruction starts from.
		const reference = faultAfter(c.setup, c.faulting);
		reference.cpu.run(setupLength);
		const before = { regs: [...reference.cpu.regs], eip: reference.cpu.eip, flags: reference.cpu.getEflags() };

		const exit = cpu.run(100);
		assert.equal(exit.kind, 'exception');
		if (exit.kind !== 'exception') return;
		assert.equal(exit.exception.vector, Vector.PF);
		assert.equal(exit.exception.faultAddress, c.address);
		assert.equal(exit.exception.errorCode, c.write ? 2 : 0);
		assert.deepEqual([...cpu.regs], before.regs, 'registers (ESP included) as before the instruction');
		assert.equal(cpu.eip, before.eip, 'EIP at the faulting instruction');
		assert.equal(cpu.getEflags(), before.flags);
		assert.equal(cpu.instructionCount, setupLength, 'only the set-up retired');
		assert.equal(cpu.regs[Reg.EDI], 0, 'nothing after it ran');
		assert.equal(memory.u32(0x3ffffc), 0, 'no byte of a straddling store landed');
		assert.equal(cpu.fault, null, 'the fault was handed back, not left behind');
	});
}

test('after a page fault in compiled code, the same code runs on once the page is mapped', () => {
	const { cpu, memory } = faultAfter(`mov ebx, ${UNMAPPED + 8}\nmov eax, 5`, 'add eax, [ebx]');
	assert.equal(cpu.run(100).kind, 'exception');
	memory.setU32(PD + 4, 0x12000 | P | RW);
	memory.setU32(0x12000, DATA | P | RW);
	memory.setU32(DATA + 8, 0x11223344);
	cpu.invlpg(linear(UNMAPPED));
	assert.equal(cpu.run(100).kind, 'halt');
	assert.equal(cpu.regs[Reg.EAX], (5 + 0x11223344) | 0);
	assert.equal(cpu.regs[Reg.EDI], 0xdead);
});
