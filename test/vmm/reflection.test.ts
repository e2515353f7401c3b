import { test } from 'node:test';
import assert from 'node:assert/strict';
import { reflect } from '../../src/vmm/reflection';
import { emulateIret } from '../../src/vmm/far-transfers';
import { guestEflags } from '../../src/vmm/guest-state';
import { CpuException, Vector } from '../../src/x86/exceptions';
import { guestAtRing3, IDT, KERNEL_CS, USER_CS, USER_DS } from './guest-setup';

test('int 0x80 from ring 3 enters the handler at vCPL 0 / real CPL 1 on the guest ring-0 stack', () => {
	const { cpu, vcpu } = guestAtRing3();
	cpu.putGate(IDT, 0x80, KERNEL_CS, 0x5000, 3);
	reflect(cpu, vcpu, { vector: 0x80, source: 'software', returnEip: 0x4002 });
	assert.equal(vcpu.cpl, 0);
	assert.equal(cpu.cpl, 1);
	assert.equal(cpu.seg[1].selector, KERNEL_CS | 1);
	assert.equal(cpu.seg[1].dpl, 1);
	assert.equal(cpu.seg[2].selector, 0x11);
	assert.equal(cpu.eip, 0x5000);
	const esp = cpu.regs[4] >>> 0;
	assert.equal(esp, 0x9000 - 20);
	assert.deepEqual([0, 4, 8, 12, 16].map((o) => cpu.u32(esp + o)), [0x4002, USER_CS, 0x202, 0x8000, USER_DS]);
	assert.equal(vcpu.interruptFlag, false, 'an interrupt gate clears the virtual IF');
	assert.equal(guestEflags(cpu, vcpu) & 0x200, 0);
	assert.equal(cpu.getEflags() & 0x3200, 0x200, 'real IF stays 1 and real IOPL 0 at vCPL 0');
});

test('iret at vCPL 0 returns to ring 3 with the frame restored', () => {
	const { cpu, vcpu } = guestAtRing3();
	cpu.putGate(IDT, 0x80, KERNEL_CS, 0x5000, 3);
	reflect(cpu, vcpu, { vector: 0x80, source: 'software', returnEip: 0x4002 });
	emulateIret(cpu, vcpu, 4);
	assert.equal(vcpu.cpl, 3);
	assert.equal(cpu.cpl, 3);
	assert.equal(cpu.seg[1].selector, USER_CS);
	assert.equal(cpu.seg[2].selector, USER_DS);
	assert.equal(cpu.regs[4], 0x8000);
	assert.equal(cpu.eip, 0x4002);
	assert.equal(cpu.getEflags() & 0x200, 0x200);
});

test('a gate of DPL 0 refuses int n from ring 3 with #GP(vector*8+2)', () => {
	const { cpu, vcpu } = guestAtRing3();
	cpu.putGate(IDT, 0x81, KERNEL_CS, 0x5000, 0);
	assert.throws(() => reflect(cpu, vcpu, { vector: 0x81, source: 'software', returnEip: 0x4002 }),
		(e: unknown) => e instanceof CpuException && e.vector === Vector.GP && e.errorCode === 0x81 * 8 + 2);
	assert.equal(cpu.cpl, 3, 'state unchanged');
});

test('a #GP reflected at vCPL 0 shows the guest CS with RPL 0 and the error code', () => {
	const { cpu, vcpu } = guestAtRing3();
	cpu.putGate(IDT, 0x80, KERNEL_CS, 0x5000, 3);
	cpu.putGate(IDT, Vector.GP, KERNEL_CS, 0x6000, 0);
	reflect(cpu, vcpu, { vector: 0x80, source: 'software', returnEip: 0x4002 });
	vcpu.interruptFlag = true;
	const esp = cpu.regs[4] >>> 0;
	reflect(cpu, vcpu, { vector: Vector.GP, source: 'fault', errorCode: 0x18, returnEip: 0x5004 });
	assert.equal(cpu.regs[4] >>> 0, esp - 16, 'same ring: no stack switch');
	assert.deepEqual([0, 4, 8, 12].map((o) => cpu.u32(esp - 16 + o)), [0x18, 0x5004, KERNEL_CS, 0x202]);
	assert.equal(cpu.eip, 0x6000);
});

test('a missing gate is reported as #GP for the vector, for escalation by the monitor', () => {
	const { cpu, vcpu } = guestAtRing3();
	vcpu.idtr = { base: IDT, limit: 0x7f };
	assert.throws(() => reflect(cpu, vcpu, { vector: Vector.PF, source: 'fault', errorCode: 4, returnEip: 0x4000 }),
		(e: unknown) => e instanceof CpuException && e.vector === Vector.GP && e.errorCode === (14 << 3 | 3));
});
