import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Vector } from '../../src/x86/exceptions';
import { lgdt, lidt, lldt, ltr, sgdt, sidt, sldt, str, SystemType, parseTss, encodeDescriptor } from '../../src/x86/system';
import { enterRing, gdtEntry, protectedModeCpu, raised, RING0_STACK_TOP, RING1_STACK_TOP, Sel, setGdtEntry, TSS_BASE, IO_MAP_OFFSET } from './system-fixture';

test('lgdt/sgdt and lidt/sidt round-trip 6-byte pseudo-descriptors', () => {
	const cpu = protectedModeCpu();
	cpu.poke32(0x8000, 0x5678_0fff);
	cpu.poke32(0x8004, 0x0000_1234);
	lgdt(cpu, 0x8000);
	assert.deepEqual(cpu.gdtr, { base: 0x12345678, limit: 0x0fff });
	sgdt(cpu, 0x8100);
	assert.equal(cpu.peek16(0x8100), 0x0fff);
	assert.equal(cpu.peek32(0x8102), 0x12345678);
	lidt(cpu, 0x8100);
	assert.deepEqual(cpu.idtr, { base: 0x12345678, limit: 0x0fff });
	sidt(cpu, 0x8200);
	assert.equal(cpu.peek32(0x8202), 0x12345678);
});

test('sgdt and sidt work at ring 3 (they are the unprivileged holes), lgdt/lidt do not', () => {
	const cpu = protectedModeCpu();
	enterRing(cpu, 3);
	sgdt(cpu, 0x8000);
	assert.equal(cpu.peek32(0x8002), cpu.gdtr.base);
	assert.deepEqual(raised(() => lgdt(cpu, 0x8000)), { vector: Vector.GP, errorCode: 0 });
	assert.deepEqual(raised(() => lidt(cpu, 0x8000)), { vector: Vector.GP, errorCode: 0 });
	assert.equal(str(cpu), Sel.Tss);
	assert.equal(sldt(cpu), Sel.Ldt);
});

test('ltr loads an available TSS and marks it busy; loading it again raises #GP(sel)', () => {
	const cpu = protectedModeCpu();
	setGdtEntry(cpu, 5, encodeDescriptor({ base: TSS_BASE, limit: 0x67, type: SystemType.Tss32Available, system: true }));
	ltr(cpu, Sel.Tss);
	assert.equal(cpu.tr.selector, Sel.Tss);
	assert.equal(cpu.tr.type, SystemType.Tss32Busy);
	assert.equal(cpu.tr.base, TSS_BASE);
	assert.equal((gdtEntry(cpu, 5).high >>> 8) & 0xf, SystemType.Tss32Busy);
	assert.deepEqual(raised(() => ltr(cpu, Sel.Tss)), { vector: Vector.GP, errorCode: Sel.Tss });
});

test('ltr rejects null (#GP(0)), non-TSS (#GP(sel)), LDT-based (#GP(sel)) selectors and absent TSS (#NP)', () => {
	const cpu = protectedModeCpu();
	assert.deepEqual(raised(() => ltr(cpu, 0)), { vector: Vector.GP, errorCode: 0 });
	assert.deepEqual(raised(() => ltr(cpu, Sel.Data0)), { vector: Vector.GP, errorCode: Sel.Data0 });
	assert.deepEqual(raised(() => ltr(cpu, Sel.Tss | 4)), { vector: Vector.GP, errorCode: Sel.Tss | 4 });
	setGdtEntry(cpu, 5, encodeDescriptor({ base: TSS_BASE, limit: 0x67, type: SystemType.Tss32Available, system: true, present: false }));
	assert.deepEqual(raised(() => ltr(cpu, Sel.Tss)), { vector: Vector.NP, errorCode: Sel.Tss });
	enterRing(cpu, 1);
	assert.deepEqual(raised(() => ltr(cpu, Sel.Tss)), { vector: Vector.GP, errorCode: 0 });
});

test('lldt loads an LDT descriptor, a null selector disables the LDT, other types raise #GP(sel)', () => {
	const cpu = protectedModeCpu();
	lldt(cpu, 0);
	assert.equal(cpu.ldtr.usable, false);
	lldt(cpu, Sel.Ldt);
	assert.equal(cpu.ldtr.usable, true);
	assert.equal(cpu.ldtr.limit, 0xf);
	assert.deepEqual(raised(() => lldt(cpu, Sel.Tss)), { vector: Vector.GP, errorCode: Sel.Tss });
	assert.deepEqual(raised(() => lldt(cpu, Sel.Ldt | 4)), { vector: Vector.GP, errorCode: Sel.Ldt | 4 });
	enterRing(cpu, 3);
	assert.deepEqual(raised(() => lldt(cpu, Sel.Ldt)), { vector: Vector.GP, errorCode: 0 });
});

test('parseTss reads the ring stacks and the I/O map base; undefined without a TSS', () => {
	const cpu = protectedModeCpu();
	const tss = parseTss(cpu);
	assert.ok(tss);
	assert.equal(tss.esp0, RING0_STACK_TOP);
	assert.equal(tss.ss0, Sel.Data0);
	assert.equal(tss.esp1, RING1_STACK_TOP);
	assert.equal(tss.ss1, Sel.Data1);
	assert.equal(tss.ioMapBase, IO_MAP_OFFSET);
	cpu.tr = { ...cpu.tr, usable: false };
	assert.equal(parseTss(cpu), undefined);
});
