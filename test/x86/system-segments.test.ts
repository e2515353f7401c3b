import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Vector } from '../../src/x86/exceptions';
import { Cr0, Seg } from '../../src/x86/registers';
import { loadSegment } from '../../src/x86/system';
import { enterRing, gdtEntry, protectedModeCpu, raised, Sel } from './system-fixture';

test('loading a data segment fills the cache and sets the accessed bit', () => {
	const cpu = protectedModeCpu();
	assert.equal(gdtEntry(cpu, 2).high & 0x100, 0);
	loadSegment(cpu, Seg.DS, Sel.Data0);
	assert.deepEqual(cpu.seg[Seg.DS], { selector: Sel.Data0, base: 0, limit: 0xffffffff, type: 3, system: false, dpl: 0, present: true, big: true, usable: true });
	assert.equal(gdtEntry(cpu, 2).high & 0x100, 0x100);
});

test('a null selector loads into DS as unusable but faults #GP(0) in SS', () => {
	const cpu = protectedModeCpu();
	loadSegment(cpu, Seg.ES, 3);
	assert.equal(cpu.seg[Seg.ES].usable, false);
	assert.equal(cpu.seg[Seg.ES].selector, 3);
	assert.deepEqual(raised(() => loadSegment(cpu, Seg.SS, 0)), { vector: Vector.GP, errorCode: 0 });
});

test('selectors past the GDT or into a missing LDT raise #GP(selector without RPL)', () => {
	const cpu = protectedModeCpu();
	assert.deepEqual(raised(() => loadSegment(cpu, Seg.DS, 0x1f3)), { vector: Vector.GP, errorCode: 0x1f0 });
	cpu.ldtr = { ...cpu.ldtr, usable: false };
	assert.deepEqual(raised(() => loadSegment(cpu, Seg.DS, Sel.Data3InLdt)), { vector: Vector.GP, errorCode: 0x0c });
});

test('an LDT selector loads from the LDT', () => {
	const cpu = protectedModeCpu();
	enterRing(cpu, 3);
	loadSegment(cpu, Seg.FS, Sel.Data3InLdt);
	assert.equal(cpu.seg[Seg.FS].dpl, 3);
	assert.equal(cpu.seg[Seg.FS].selector, Sel.Data3InLdt);
});

test('data segment privilege: DPL must be >= CPL and >= RPL', () => {
	const cpu = protectedModeCpu();
	// RPL 3 on a DPL 0 segment at CPL 0.
	assert.deepEqual(raised(() => loadSegment(cpu, Seg.DS, Sel.Data0 | 3)), { vector: Vector.GP, errorCode: Sel.Data0 });
	enterRing(cpu, 3);
	assert.deepEqual(raised(() => loadSegment(cpu, Seg.DS, Sel.Data0)), { vector: Vector.GP, errorCode: Sel.Data0 });
	loadSegment(cpu, Seg.DS, Sel.Data3);
	assert.equal(cpu.seg[Seg.DS].selector, Sel.Data3);
});

test('code segments: readable ones load into DS, execute-only ones raise #GP; conforming skip the DPL check', () => {
	const cpu = protectedModeCpu();
	loadSegment(cpu, Seg.DS, Sel.Code0);
	assert.equal(cpu.seg[Seg.DS].type & 8, 8);
	assert.deepEqual(raised(() => loadSegment(cpu, Seg.DS, Sel.ExecOnlyCode0)), { vector: Vector.GP, errorCode: Sel.ExecOnlyCode0 });
	enterRing(cpu, 3);
	loadSegment(cpu, Seg.GS, Sel.ConformingCode0 | 3);
	assert.equal(cpu.seg[Seg.GS].dpl, 0);
});

test('system descriptors cannot be loaded into data registers', () => {
	const cpu = protectedModeCpu();
	assert.deepEqual(raised(() => loadSegment(cpu, Seg.DS, Sel.Tss)), { vector: Vector.GP, errorCode: Sel.Tss });
	assert.deepEqual(raised(() => loadSegment(cpu, Seg.DS, Sel.CallGate)), { vector: Vector.GP, errorCode: Sel.CallGate & ~3 });
});

test('a not-present data segment raises #NP(selector), a not-present stack #SS(selector)', () => {
	const cpu = protectedModeCpu();
	const before = { ...cpu.seg[Seg.DS] };
	assert.deepEqual(raised(() => loadSegment(cpu, Seg.DS, Sel.AbsentData)), { vector: Vector.NP, errorCode: Sel.AbsentData });
	assert.deepEqual(cpu.seg[Seg.DS], before);
	assert.deepEqual(raised(() => loadSegment(cpu, Seg.SS, Sel.AbsentData)), { vector: Vector.SS, errorCode: Sel.AbsentData });
});

test('SS needs RPL == CPL == DPL and a writable data segment', () => {
	const cpu = protectedModeCpu();
	assert.deepEqual(raised(() => loadSegment(cpu, Seg.SS, Sel.Data0 | 1)), { vector: Vector.GP, errorCode: Sel.Data0 });
	assert.deepEqual(raised(() => loadSegment(cpu, Seg.SS, Sel.Data3 & ~3)), { vector: Vector.GP, errorCode: Sel.Data3 & ~3 });
	assert.deepEqual(raised(() => loadSegment(cpu, Seg.SS, Sel.ReadOnlyData0)), { vector: Vector.GP, errorCode: Sel.ReadOnlyData0 });
	assert.deepEqual(raised(() => loadSegment(cpu, Seg.SS, Sel.Code0)), { vector: Vector.GP, errorCode: Sel.Code0 });
	enterRing(cpu, 1);
	loadSegment(cpu, Seg.SS, Sel.Data1);
	assert.equal(cpu.seg[Seg.SS].selector, Sel.Data1);
});

test('in real mode a segment load sets base = selector * 16', () => {
	const cpu = protectedModeCpu();
	cpu.cr0 &= ~Cr0.PE;
	loadSegment(cpu, Seg.DS, 0x1234);
	assert.equal(cpu.seg[Seg.DS].base, 0x12340);
	assert.throws(() => loadSegment(cpu, Seg.CS, 0), /far transfers/);
});
