// The same system operations driven through the execution core's Cpu: its
// memory path, its lazy flags, and its instruction templates calling them.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { physical } from '../../src/x86/addresses';
import { Cpu } from '../../src/x86/cpu';
import { Vector } from '../../src/x86/exceptions';
import { Flag, Reg, Seg } from '../../src/x86/registers';
import { farReturn, iret, lgdt, sgdt } from '../../src/x86/system';
import { PhysicalMemory } from '../../src/machine/physical-memory';
import { IoPortBus } from '../../src/machine/io-port-bus';
import { enterRing, handlerOffset, layOutProtectedMode, pushValues, raised, RING0_STACK_TOP, RING3_STACK_TOP, Sel, stackTop } from './system-fixture';

function realCpu(): Cpu {
	return layOutProtectedMode(new Cpu(new PhysicalMemory(2), new IoPortBus()));
}

function placeCode(cpu: Cpu, address: number, bytes: number[]): void {
	cpu.memory.poke(physical(address), Uint8Array.from(bytes));
	cpu.invalidateCode(physical(address), bytes.length);
	cpu.eip = address;
}

test('real Cpu: interrupt from ring 3 to ring 0 and iret back', () => {
	const cpu = realCpu();
	enterRing(cpu, 3);
	cpu.eip = 0x4444;
	cpu.setEflags(Flag.IF | Flag.CF | 2);
	cpu.deliverInterrupt(0x20, 'external');
	assert.equal(cpu.cpl, 0);
	assert.equal(cpu.eip, handlerOffset(0x20));
	assert.deepEqual(stackTop(cpu, 5), [0x4444, Sel.Code3, Flag.IF | Flag.CF | 2, RING3_STACK_TOP, Sel.Data3]);
	assert.equal(cpu.getEflags(), Flag.CF | 2);
	iret(cpu);
	assert.equal(cpu.cpl, 3);
	assert.equal(cpu.reg(Reg.ESP), RING3_STACK_TOP);
	assert.equal(cpu.getEflags(), Flag.IF | Flag.CF | 2);
});

test('real Cpu: segment loads fault with the selector error code', () => {
	const cpu = realCpu();
	enterRing(cpu, 3);
	assert.deepEqual(raised(() => cpu.loadSegment(Seg.DS, Sel.Data0)), { vector: Vector.GP, errorCode: Sel.Data0 });
	cpu.loadSegment(Seg.DS, Sel.Data3);
	assert.equal(cpu.seg[Seg.DS].selector, Sel.Data3);
});

test('real Cpu: far ret from ring 0 to ring 3 and lgdt/sgdt through its memory path', () => {
	const cpu = realCpu();
	pushValues(cpu, Sel.Data3, 0x6000, Sel.Code3, 0x4000);
	farReturn(cpu, 0);
	assert.equal(cpu.cpl, 3);
	assert.equal(cpu.reg(Reg.ESP), 0x6000);
	enterRing(cpu, 0);
	sgdt(cpu, 0x8000);
	lgdt(cpu, 0x8000);
	assert.equal(cpu.reg(Reg.ESP), RING0_STACK_TOP);
});

test('real Cpu: mov cr0 executed at ring 3 stops with #GP(0); at ring 0 mov eax, cr0 reads it', () => {
	const cpu = realCpu();
	enterRing(cpu, 3);
	placeCode(cpu, 0x10000, [0x0f, 0x22, 0xc0]);
	const exit = cpu.run(10);
	assert.equal(exit.kind, 'exception');
	assert.equal(exit.exception?.vector, Vector.GP);
	assert.equal(exit.exception?.errorCode, 0);
	assert.equal(cpu.eip, 0x10000);

	enterRing(cpu, 0);
	placeCode(cpu, 0x10100, [0x0f, 0x20, 0xc0, 0xf4]);
	cpu.run(10);
	assert.equal(cpu.reg(Reg.EAX), cpu.cr0 >>> 0);
});
