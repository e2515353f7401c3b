import { test } from 'node:test';
import assert from 'node:assert/strict';
import { lar, lsl, verr, verw } from '../../src/x86/system';
import { enterRing, protectedModeCpu, Sel, TSS_LIMIT } from './system-fixture';

test('lar returns the access-rights bytes of visible descriptors', () => {
	const cpu = protectedModeCpu();
	assert.equal(lar(cpu, Sel.Code0), 0x00c09a00, 'limit bits 19..16 are undefined in the answer: zero here');
	assert.equal(lar(cpu, Sel.Tss), 0x00008b00);
	assert.equal(lar(cpu, Sel.CallGate), 0x0000ec00, 'call gates are visible to lar, their parameter count is masked');
	assert.equal(lar(cpu, 0), undefined);
	assert.equal(lar(cpu, 0xfff8), undefined);
});

test('lar and lsl at ring 3 fail on DPL-0 descriptors, except conforming code', () => {
	const cpu = protectedModeCpu();
	enterRing(cpu, 3);
	assert.equal(lar(cpu, Sel.Data0), undefined);
	assert.equal(lsl(cpu, Sel.Data0), undefined);
	assert.equal(lar(cpu, Sel.Data3), 0x00c0f200);
	assert.equal(lar(cpu, Sel.ConformingCode0 | 3), 0x00c09e00);
	enterRing(cpu, 0);
	assert.equal(lar(cpu, Sel.Data0 | 3), undefined, 'RPL counts too');
});

test('lsl returns the byte limit with granularity applied; gates have none', () => {
	const cpu = protectedModeCpu();
	assert.equal(lsl(cpu, Sel.Data0), 0xffffffff);
	assert.equal(lsl(cpu, Sel.SmallData0), 0xfff);
	assert.equal(lsl(cpu, Sel.Tss), TSS_LIMIT);
	assert.equal(lsl(cpu, Sel.CallGate), undefined);
});

test('verr and verw: readable and writable segments at the current privilege', () => {
	const cpu = protectedModeCpu();
	assert.equal(verr(cpu, Sel.Data0), true);
	assert.equal(verw(cpu, Sel.Data0), true);
	assert.equal(verr(cpu, Sel.Code0), true);
	assert.equal(verw(cpu, Sel.Code0), false);
	assert.equal(verr(cpu, Sel.ExecOnlyCode0), false);
	assert.equal(verw(cpu, Sel.ReadOnlyData0), false);
	assert.equal(verr(cpu, Sel.ReadOnlyData0), true);
	assert.equal(verr(cpu, Sel.Tss), false);
	assert.equal(verr(cpu, 0), false);
	enterRing(cpu, 3);
	assert.equal(verr(cpu, Sel.Data0), false);
	assert.equal(verw(cpu, Sel.Data3), true);
	assert.equal(verr(cpu, Sel.ConformingCode0), true);
});
