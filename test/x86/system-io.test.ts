import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Vector } from '../../src/x86/exceptions';
import { Flag } from '../../src/x86/registers';
import { checkIoPermission, cli, sti } from '../../src/x86/system';
import { enterRing, IO_MAP_OFFSET, protectedModeCpu, raised, TSS_BASE, type TestCpu } from './system-fixture';

/** Clears the bitmap bit of `port`: allowed. */
function allow(cpu: TestCpu, port: number): void {
	cpu.memory[TSS_BASE + IO_MAP_OFFSET + (port >>> 3)] &= ~(1 << (port & 7));
}

test('at CPL <= IOPL every port is allowed', () => {
	const cpu = protectedModeCpu();
	checkIoPermission(cpu, 0x3f8, 1);
	enterRing(cpu, 3);
	cpu.setEflags((3 << 12) | 2);
	checkIoPermission(cpu, 0x3f8, 4);
});

test('above IOPL the TSS bitmap decides, for every byte of the access', () => {
	const cpu = protectedModeCpu();
	enterRing(cpu, 3);
	assert.deepEqual(raised(() => checkIoPermission(cpu, 0x3f8, 1)), { vector: Vector.GP, errorCode: 0 });
	allow(cpu, 0x3f8);
	checkIoPermission(cpu, 0x3f8, 1);
	assert.deepEqual(raised(() => checkIoPermission(cpu, 0x3f8, 2)), { vector: Vector.GP, errorCode: 0 });
	// A 4-byte access straddling a bitmap byte: ports 0x3e and 0x3f in one byte, 0x40 and 0x41 in the next.
	for (const port of [0x3e, 0x3f, 0x40]) allow(cpu, port);
	assert.deepEqual(raised(() => checkIoPermission(cpu, 0x3e, 4)), { vector: Vector.GP, errorCode: 0 });
	allow(cpu, 0x41);
	checkIoPermission(cpu, 0x3e, 4);
});

test('ports beyond the TSS limit, or no TSS at all, are denied', () => {
	const cpu = protectedModeCpu();
	enterRing(cpu, 1);
	assert.deepEqual(raised(() => checkIoPermission(cpu, 0x400, 1)), { vector: Vector.GP, errorCode: 0 });
	allow(cpu, 0x60);
	checkIoPermission(cpu, 0x60, 1);
	cpu.tr = { ...cpu.tr, usable: false };
	assert.deepEqual(raised(() => checkIoPermission(cpu, 0x60, 1)), { vector: Vector.GP, errorCode: 0 });
});

test('cli and sti change IF at CPL <= IOPL and raise #GP(0) above it', () => {
	const cpu = protectedModeCpu();
	cpu.setEflags(Flag.IF | 2);
	cli(cpu);
	assert.equal(cpu.getEflags(), 2);
	sti(cpu);
	assert.equal(cpu.getEflags(), Flag.IF | 2);
	enterRing(cpu, 1);
	assert.deepEqual(raised(() => cli(cpu)), { vector: Vector.GP, errorCode: 0 });
	assert.deepEqual(raised(() => sti(cpu)), { vector: Vector.GP, errorCode: 0 });
	assert.equal(cpu.getEflags(), Flag.IF | 2);
	cpu.setEflags((1 << 12) | 2);
	sti(cpu);
	assert.equal(cpu.getEflags(), (1 << 12) | Flag.IF | 2);
});
