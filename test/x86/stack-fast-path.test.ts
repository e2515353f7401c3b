// Stack and memory accesses that go straight to RAM once the TLB grants them
// (compiled PUSH/POP/CALL/RET, Cpu.readSeg32/writeSeg32) must do exactly what
// the checked path does: same values, same faults, code stores still seen.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { machine, runToHalt } from './helpers';
import { Cr0, Reg, Seg, segmentCache } from '../../src/x86/registers';
import { Vector } from '../../src/x86/exceptions';

test('a warm call/ret and push/pop loop computes what it should', () => {
	const m = machine(`mov ecx, 500
xor eax, eax
l: push ecx
call f
pop edx
add eax, edx
dec ecx
jnz l
hlt
f: add ebx, 1
ret`);
	const exit = runToHalt(m);
	assert.equal(exit.kind, 'halt');
	assert.equal(m.cpu.regs[Reg.EAX], (500 * 501) / 2);
	assert.equal(m.cpu.regs[Reg.EBX], 500);
	assert.equal(m.cpu.regs[Reg.ESP], 0x80000);
});

test('a pop past the stack limit raises #SS on a page whose slots below the limit were read directly', () => {
	const m = machine(`xor eax, eax
l: pop edx
add eax, edx
jmp l`);
	m.cpu.seg[Seg.SS] = segmentCache({ ...m.cpu.seg[Seg.SS], limit: 0x7ffef });
	m.cpu.regs[Reg.ESP] = 0x7ffe0;
	for (let i = 0; i < 4; i++) m.memory.setU32(0x7ffe0 + 4 * i, i + 1);
	const exit = runToHalt(m);
	assert.equal(exit.kind === 'exception' && exit.exception.vector, Vector.SS);
	assert.equal(m.cpu.regs[Reg.ESP], 0x7fff0);
	assert.equal(m.cpu.regs[Reg.EAX], 10);
	assert.equal(m.cpu.eip, 0x1002);
});

test('a stack on an expand-down segment and an unaligned ESP take the checked path with the same results', () => {
	const down = machine('push dword 0x11223344\npop ebx\nhlt');
	down.cpu.seg[Seg.SS] = segmentCache({ ...down.cpu.seg[Seg.SS], type: 0x7, limit: 0xfff });
	assert.equal(runToHalt(down).kind, 'halt');
	assert.equal(down.cpu.regs[Reg.EBX], 0x11223344);
	assert.equal(down.memory.u32(0x7fffc), 0x11223344);

	const unaligned = machine('push dword 0x55667788\npush dword 0x11223344\npop ebx\npop edx\nhlt');
	unaligned.cpu.regs[Reg.ESP] = 0x80003;
	assert.equal(runToHalt(unaligned).kind, 'halt');
	assert.equal(unaligned.cpu.regs[Reg.EBX], 0x11223344);
	assert.equal(unaligned.cpu.regs[Reg.EDX], 0x55667788);
	assert.equal(unaligned.memory.u32(0x7ffff), 0x55667788);
});

test('a push into a page holding compiled code changes the code that runs next', () => {
	// The pop warms the TLB for the code page; the push rewrites `mov eax, 1` into `mov eax, 2`.
	const m = machine(`mov esp, target
pop edx
mov esp, target + 4
push dword 0x000002b8
align 4
target: db 0xb8, 1, 0, 0, 0
hlt`);
	assert.equal(m.cpu.run(100).kind, 'halt');
	assert.equal(m.cpu.regs[Reg.EAX], 2);
});

test('a store through a memory operand into compiled code changes the code that runs next', () => {
	const m = machine(`mov edx, [target]
mov dword [target], 0x000002b8
align 4
target: db 0xb8, 1, 0, 0, 0
hlt`);
	assert.equal(m.cpu.run(100).kind, 'halt');
	assert.equal(m.cpu.regs[Reg.EAX], 2);
});

test('memory operands read and write RAM directly once warm, and a limit fault is still exact', () => {
	const m = machine(`mov ecx, 100
mov dword [0x9000], 0
l: add [0x9000], ecx
mov eax, [0x9000]
dec ecx
jnz l
mov edx, [0xffff8]
mov ebx, [0xffffc]
hlt`);
	// The last load is aligned, on a page the one before made present in the TLB, and 2 bytes past the limit.
	m.cpu.seg[Seg.DS] = segmentCache({ ...m.cpu.seg[Seg.DS], limit: 0xffffd });
	const exit = runToHalt(m);
	assert.equal(exit.kind === 'exception' && exit.exception.vector, Vector.GP);
	assert.equal(m.cpu.regs[Reg.EAX], 5050);
	assert.equal(m.memory.u32(0x9000), 5050);
});

/** Code at 0x1000 identity-mapped; linear 4 MiB -> physical 0x200000 through a page with `pteFlags`; WP on. */
function pagedStack(source: string, pteFlags: number) {
	const m = machine(source, 0x1000, 0x1000000);
	const { memory, cpu } = m;
	const pd = 0x10000, pt0 = 0x11000, pt1 = 0x12000;
	memory.setU32(pd, pt0 | 3);
	for (let i = 0; i < 1024; i++) memory.setU32(pt0 + 4 * i, (i << 12) | 3);
	memory.setU32(pd + 4, pt1 | 7);
	memory.setU32(pt1, 0x200000 | pteFlags);
	cpu.cr3 = pd;
	cpu.cr0 |= Cr0.PG | Cr0.WP;
	cpu.flushTlb();
	return { m, pte: () => memory.u32(pt1) };
}

test('a push to a stack page the TLB holds only for reading takes the walk: #PF on a read-only page, D set on a clean one', () => {
	const source = 'mov esp, 0x400010\npop eax\npop eax\npush eax\nhlt';
	const readOnly = pagedStack(source, 0x1 | 0x4);
	const exit = readOnly.m.cpu.run(100);
	assert.equal(exit.kind === 'exception' && exit.exception.vector, Vector.PF);
	assert.equal(readOnly.m.cpu.regs[Reg.ESP], 0x400018);

	const clean = pagedStack(source, 0x1 | 0x2 | 0x4);
	clean.m.memory.setU32(0x200014, 0xabcd);
	assert.equal(clean.m.cpu.run(100).kind, 'halt');
	assert.equal(clean.pte() & 0x40, 0x40);
	assert.equal(clean.m.memory.u32(0x200014), 0xabcd);
	assert.equal(clean.m.cpu.regs[Reg.ESP], 0x400014);
});
