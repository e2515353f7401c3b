import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Vector } from '../../src/x86/exceptions';
import { Flag, Reg, Seg } from '../../src/x86/registers';
import { deliverInterrupt, eflagsAfterIret, iret } from '../../src/x86/system';
import { enterRing, protectedModeCpu, raised, RING0_STACK_TOP, RING3_STACK_TOP, Sel } from './system-fixture';

const IOPL3 = 3 << 12;

test('iret undoes a ring 3 -> ring 0 interrupt exactly', () => {
	const cpu = protectedModeCpu();
	enterRing(cpu, 3);
	cpu.eip = 0x4321;
	cpu.setEflags(Flag.IF | Flag.ZF | 2);
	deliverInterrupt(cpu, 0x20, 'external');
	iret(cpu);
	assert.equal(cpu.cpl, 3);
	assert.equal(cpu.eip, 0x4321);
	assert.equal(cpu.seg[Seg.CS].selector, Sel.Code3);
	assert.equal(cpu.seg[Seg.SS].selector, Sel.Data3);
	assert.equal(cpu.reg(Reg.ESP), RING3_STACK_TOP);
	assert.equal(cpu.getEflags(), Flag.IF | Flag.ZF | 2);
});

test('iret to ring 3 at CPL 0 restores IOPL and IF from the frame', () => {
	const cpu = protectedModeCpu();
	cpu.push(Sel.Data3, 0x6000, IOPL3 | Flag.IF | 2, Sel.Code3, 0x4000);
	iret(cpu);
	assert.equal(cpu.getEflags(), IOPL3 | Flag.IF | 2);
	assert.equal(cpu.reg(Reg.ESP), 0x6000);
	assert.equal(cpu.seg[Seg.DS].usable, false, 'ring-0 DS is nulled on the way out');
});

test('iret at CPL 3 cannot change IOPL, nor IF while CPL > IOPL', () => {
	const cpu = protectedModeCpu();
	enterRing(cpu, 3);
	cpu.push(IOPL3 | Flag.IF | Flag.CF | 2, Sel.Code3, 0x4000);
	iret(cpu);
	assert.equal(cpu.getEflags(), Flag.CF | 2);
	assert.equal(cpu.reg(Reg.ESP), RING3_STACK_TOP);
	assert.equal(cpu.seg[Seg.DS].selector, Sel.Data3, 'same-ring iret keeps data segments');
});

test('at ring 1 with IOPL 0 (the monitor de-privileged guest) iret silently keeps IF', () => {
	assert.equal(eflagsAfterIret(2, Flag.IF | 2, 1), 2);
	assert.equal(eflagsAfterIret(Flag.IF | 2, 2, 1), Flag.IF | 2);
	assert.equal(eflagsAfterIret(IOPL3 | 2, 2, 3), IOPL3 | 2, 'IF not in the frame: cleared at CPL <= IOPL');
	assert.equal(eflagsAfterIret(IOPL3 | Flag.IF | 2, 2, 3), IOPL3 | 2);
});

test('iret faults: NT set #GP(0), inward return #GP(sel), bad outer SS #GP(sel), short stack #SS(0)', () => {
	const cpu = protectedModeCpu();
	cpu.setEflags(Flag.NT | 2);
	assert.deepEqual(raised(() => iret(cpu)), { vector: Vector.GP, errorCode: 0 });

	enterRing(cpu, 3);
	cpu.setEflags(2);
	cpu.push(2, Sel.Code0, 0x10);
	assert.deepEqual(raised(() => iret(cpu)), { vector: Vector.GP, errorCode: Sel.Code0 });
	assert.equal(cpu.cpl, 3);

	enterRing(cpu, 0);
	cpu.push(Sel.Data0, 0x6000, 2, Sel.Code3, 0x10);
	assert.deepEqual(raised(() => iret(cpu)), { vector: Vector.GP, errorCode: Sel.Data0 });
	assert.equal(cpu.reg(Reg.ESP), RING0_STACK_TOP - 20);

	enterRing(cpu, 0);
	cpu.seg[Seg.SS] = { ...cpu.seg[Seg.SS], limit: RING0_STACK_TOP - 1 };
	cpu.push(Sel.Code0, 0x10);
	assert.deepEqual(raised(() => iret(cpu)), { vector: Vector.SS, errorCode: 0 });
});

test('iret popping VM at CPL 0 raises #GP(0): virtual-8086 mode is not implemented', () => {
	const cpu = protectedModeCpu();
	cpu.push(Flag.VM | 2, Sel.Code0, 0x10);
	assert.deepEqual(raised(() => iret(cpu)), { vector: Vector.GP, errorCode: 0 });
});
