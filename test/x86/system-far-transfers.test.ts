import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Vector } from '../../src/x86/exceptions';
import { Reg, Seg } from '../../src/x86/registers';
import { encodeDescriptor, farCall, farJump, farReturn } from '../../src/x86/system';
import { CALL_GATE_TARGET, enterRing, protectedModeCpu, raised, RING0_STACK_TOP, RING3_STACK_TOP, Sel, setGdtEntry } from './system-fixture';

test('far jmp to a same-ring code segment loads CS with RPL = CPL', () => {
	const cpu = protectedModeCpu();
	farJump(cpu, Sel.Code0, 0x1234);
	assert.equal(cpu.eip, 0x1234);
	assert.equal(cpu.seg[Seg.CS].selector, Sel.Code0);
	assert.equal(cpu.cpl, 0);
	assert.equal(cpu.reg(Reg.ESP), RING0_STACK_TOP);
});

test('far jmp privilege rules: non-conforming needs DPL == CPL, RPL <= CPL; conforming needs DPL <= CPL', () => {
	const cpu = protectedModeCpu();
	assert.deepEqual(raised(() => farJump(cpu, Sel.Code3, 0)), { vector: Vector.GP, errorCode: Sel.Code3 & ~3 });
	assert.deepEqual(raised(() => farJump(cpu, Sel.Code0 | 1, 0)), { vector: Vector.GP, errorCode: Sel.Code0 });
	enterRing(cpu, 3);
	assert.deepEqual(raised(() => farJump(cpu, Sel.Code0 | 3, 0)), { vector: Vector.GP, errorCode: Sel.Code0 });
	// A conforming ring-0 segment is entered at ring 3 and CPL stays 3.
	farJump(cpu, Sel.ConformingCode0, 0x40);
	assert.equal(cpu.cpl, 3);
	assert.equal(cpu.seg[Seg.CS].selector, Sel.ConformingCode0 | 3);
});

test('far jmp faults: null #GP(0), data segment #GP(sel), not present #NP(sel), offset past the limit #GP(0)', () => {
	const cpu = protectedModeCpu();
	assert.deepEqual(raised(() => farJump(cpu, 0, 0)), { vector: Vector.GP, errorCode: 0 });
	assert.deepEqual(raised(() => farJump(cpu, Sel.Data0, 0)), { vector: Vector.GP, errorCode: Sel.Data0 });
	assert.deepEqual(raised(() => farJump(cpu, Sel.AbsentCode0, 0)), { vector: Vector.NP, errorCode: Sel.AbsentCode0 });
	assert.deepEqual(raised(() => farJump(cpu, Sel.Tss, 0)), { vector: Vector.GP, errorCode: Sel.Tss });
	setGdtEntry(cpu, Sel.Code0 >>> 3, encodeDescriptor({ base: 0, limit: 0xffff, type: 0xa, big: true }));
	assert.deepEqual(raised(() => farJump(cpu, Sel.Code0, 0x10000)), { vector: Vector.GP, errorCode: 0 });
	assert.equal(cpu.eip, 0);
});

test('far call pushes CS and the return EIP; far ret pops them back', () => {
	const cpu = protectedModeCpu();
	cpu.eip = 0x100;
	farCall(cpu, Sel.Code0, 0x2000, 0x107);
	assert.equal(cpu.eip, 0x2000);
	assert.deepEqual(cpu.stackTop(2), [0x107, Sel.Code0]);
	assert.equal(cpu.reg(Reg.ESP), RING0_STACK_TOP - 8);
	farReturn(cpu, 0);
	assert.equal(cpu.eip, 0x107);
	assert.equal(cpu.reg(Reg.ESP), RING0_STACK_TOP);
});

test('far ret with an immediate releases the parameters', () => {
	const cpu = protectedModeCpu();
	cpu.push(0xaaaa, 0xbbbb, Sel.Code0, 0x300);
	farReturn(cpu, 8);
	assert.equal(cpu.eip, 0x300);
	assert.equal(cpu.reg(Reg.ESP), RING0_STACK_TOP);
});

test('far ret from ring 0 to ring 3 pops SS:ESP and nulls ring-0 data segments', () => {
	const cpu = protectedModeCpu();
	cpu.push(Sel.Data3, RING3_STACK_TOP - 0x20, Sel.Code3, 0x4000);
	farReturn(cpu, 0);
	assert.equal(cpu.cpl, 3);
	assert.equal(cpu.eip, 0x4000);
	assert.equal(cpu.seg[Seg.CS].selector, Sel.Code3);
	assert.equal(cpu.seg[Seg.SS].selector, Sel.Data3);
	assert.equal(cpu.reg(Reg.ESP), RING3_STACK_TOP - 0x20);
	// DS and the others held the ring-0 data segment: not usable at ring 3.
	for (const seg of [Seg.DS, Seg.ES, Seg.FS, Seg.GS]) {
		assert.equal(cpu.seg[seg].usable, false);
		assert.equal(cpu.seg[seg].selector, 0);
	}
});

test('far ret to an outer ring with popBytes releases them on both stacks', () => {
	const cpu = protectedModeCpu();
	cpu.push(Sel.Data3, 0x6000, 1, 2, Sel.Code3, 0x4000);
	farReturn(cpu, 8);
	assert.equal(cpu.reg(Reg.ESP), 0x6008);
});

test('far ret faults: inward return #GP(sel), bad outer SS #GP(sel), not-present code #NP(sel), state unchanged', () => {
	const cpu = protectedModeCpu();
	enterRing(cpu, 3);
	cpu.push(Sel.Code0, 0x10);
	const esp = cpu.reg(Reg.ESP);
	assert.deepEqual(raised(() => farReturn(cpu, 0)), { vector: Vector.GP, errorCode: Sel.Code0 });
	assert.equal(cpu.reg(Reg.ESP), esp);
	assert.equal(cpu.cpl, 3);

	enterRing(cpu, 0);
	cpu.push(Sel.Data0 | 3, 0x6000, Sel.Code3, 0x10);
	assert.deepEqual(raised(() => farReturn(cpu, 0)), { vector: Vector.GP, errorCode: Sel.Data0 });
	enterRing(cpu, 0);
	cpu.push(0, 0x6000, Sel.Code3, 0x10);
	assert.deepEqual(raised(() => farReturn(cpu, 0)), { vector: Vector.GP, errorCode: 0 });
	enterRing(cpu, 0);
	cpu.push(Sel.AbsentCode0, 0x10);
	assert.deepEqual(raised(() => farReturn(cpu, 0)), { vector: Vector.NP, errorCode: Sel.AbsentCode0 });
	assert.equal(cpu.reg(Reg.ESP), RING0_STACK_TOP - 8);
});

test('a stack too small for the pushed frame raises #SS(0)', () => {
	const cpu = protectedModeCpu();
	cpu.seg[Seg.SS] = { ...cpu.seg[Seg.SS], limit: 0xfff };
	cpu.regs[Reg.ESP] = 0x1004;
	assert.deepEqual(raised(() => farCall(cpu, Sel.Code0, 0, 0)), { vector: Vector.SS, errorCode: 0 });
	assert.equal(cpu.reg(Reg.ESP), 0x1004);
});

test('far call through a call gate from ring 3 switches to the ring-0 TSS stack and copies parameters', () => {
	const cpu = protectedModeCpu();
	enterRing(cpu, 3);
	cpu.push(0x1111, 0x2222);
	const userEsp = cpu.reg(Reg.ESP);
	farCall(cpu, Sel.CallGate | 3, 0xdeadbeef, 0x4005);
	assert.equal(cpu.cpl, 0);
	assert.equal(cpu.eip, CALL_GATE_TARGET);
	assert.equal(cpu.seg[Seg.SS].selector, Sel.Data0);
	assert.equal(cpu.reg(Reg.ESP), RING0_STACK_TOP - 24);
	assert.deepEqual(cpu.stackTop(6), [0x4005, Sel.Code3, 0x2222, 0x1111, userEsp, Sel.Data3]);
	farReturn(cpu, 8);
	assert.equal(cpu.cpl, 3);
	assert.equal(cpu.eip, 0x4005);
	assert.equal(cpu.reg(Reg.ESP), userEsp + 8);
});

test('call gate DPL below CPL raises #GP(gate), far jmp through a gate cannot change ring', () => {
	const cpu = protectedModeCpu();
	enterRing(cpu, 3);
	assert.deepEqual(raised(() => farCall(cpu, Sel.CallGateRing0 | 3, 0, 0)), { vector: Vector.GP, errorCode: Sel.CallGateRing0 });
	assert.deepEqual(raised(() => farJump(cpu, Sel.CallGate | 3, 0)), { vector: Vector.GP, errorCode: Sel.Code0 });
	enterRing(cpu, 0);
	farJump(cpu, Sel.CallGate, 0);
	assert.equal(cpu.eip, CALL_GATE_TARGET);
});

test('a 16-bit expand-down stack: offsets above the limit are valid, SP wraps and ESP keeps its upper half', () => {
	const cpu = protectedModeCpu();
	cpu.seg[Seg.SS] = { ...cpu.seg[Seg.SS], type: 0x6, limit: 0x0fff, big: false };
	cpu.regs[Reg.ESP] = 0xabcd2000 | 0;
	farCall(cpu, Sel.Code0, 0x10, 0x20);
	assert.equal(cpu.reg(Reg.ESP), 0xabcd1ff8);
	assert.equal(cpu.peek32(0x1ff8), 0x20);
	cpu.regs[Reg.ESP] = 0xabcd1004 | 0;
	assert.deepEqual(raised(() => farCall(cpu, Sel.Code0, 0x10, 0x20)), { vector: Vector.SS, errorCode: 0 });
	assert.equal(cpu.reg(Reg.ESP), 0xabcd1004);
});
