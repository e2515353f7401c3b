import { test } from 'node:test';
import assert from 'node:assert/strict';
import { machine, u32 } from './helpers';
import { Reg } from '../../src/x86/registers';

const CF = 1, AF = 0x10, ZF = 0x40;

function run(source: string) {
	const m = machine(`${source}\nhlt`);
	const exit = m.cpu.run(1000);
	return { exit, ax: u32(m.cpu.regs[Reg.EAX]) & 0xffff, flags: m.cpu.getEflags() };
}

test('daa turns a binary sum of packed BCD digits back into BCD', () => {
	const t = run('mov al, 0x38\nadd al, 0x45\ndaa'); // 38 + 45 = 83
	assert.equal(t.ax & 0xff, 0x83);
	assert.equal(t.flags & CF, 0);
	const carry = run('mov al, 0x79\nadd al, 0x35\ndaa'); // 79 + 35 = 114
	assert.equal(carry.ax & 0xff, 0x14);
	assert.equal(carry.flags & CF, CF);
});

test('das after a BCD subtraction borrows into CF', () => {
	const t = run('mov al, 0x35\nsub al, 0x47\ndas'); // 35 - 47 = -12 -> 88 with borrow
	assert.equal(t.ax & 0xff, 0x88);
	assert.equal(t.flags & CF, CF);
	assert.equal(t.flags & AF, AF);
});

test('aaa and aas carry between unpacked digits in AX', () => {
	assert.equal(run('mov ax, 0x0009\nadd al, 0x08\naaa').ax, 0x0107);
	assert.equal(run('mov ax, 0x0103\nsub al, 0x05\naas').ax, 0x0008);
});

test('aam splits AL into unpacked digits, aad joins them, aam 0 divides by zero', () => {
	assert.equal(run('mov al, 47\naam').ax, 0x0407);
	assert.equal(run('mov ax, 0x0407\naad').ax, 47);
	const zero = run('mov al, 0\naam');
	assert.equal(zero.flags & ZF, ZF);
	const fault = run('mov al, 5\naam 0');
	assert.equal(fault.exit.kind, 'exception');
});
