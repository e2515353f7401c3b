import { test } from 'node:test';
import assert from 'node:assert/strict';
import { evaluateExpression, ExpressionError, type ExpressionContext } from '../../src/debug/expression';

const memory = new Map<number, number>([[0x1000, 0xdeadbeef], [0x2000, 0x1000]]);
const context: ExpressionContext = {
	register: (name) => ({ eax: 0x10, esp: 0x2000 } as Record<string, number>)[name],
	symbol: (name) => (name === 'kernel_main' ? 0x100000 : undefined),
	readDword: (address) => memory.get(address),
};
const ev = (text: string): number => evaluateExpression(text, context);

test('numbers in decimal, 0x hex and NASM h suffix', () => {
	assert.equal(ev('42'), 42);
	assert.equal(ev('0x1F'), 31);
	assert.equal(ev('0FFh'), 255);
});

test('registers, symbols and precedence', () => {
	assert.equal(ev('eax + 2 * 3'), 0x16);
	assert.equal(ev('(EAX + 2) * 3'), 0x36);
	assert.equal(ev('kernel_main + 0x14'), 0x100014);
	assert.equal(ev('1 << 4 | 1'), 17);
	assert.equal(ev('-1'), 0xffffffff);
});

test('comparisons give 1 or 0, unsigned, below arithmetic', () => {
	assert.equal(ev('eax == 0x10'), 1);
	assert.equal(ev('eax + 1 != 0x11'), 0);
	assert.equal(ev('-1 > 5'), 1);
	assert.equal(ev('(eax & 0xff) <= 0x0f'), 0);
	assert.equal(ev('esp >= 0x2000 & eax < 0x20'), 1);
});

test('[address] reads a dword, nested', () => {
	assert.equal(ev('[0x1000]'), 0xdeadbeef);
	assert.equal(ev('[[esp]]'), 0xdeadbeef);
});

test('errors say what and where', () => {
	assert.throws(() => ev('eax +'), (e: unknown) => e instanceof ExpressionError && e.column === 6);
	assert.throws(() => ev('nosuch'), /unknown register or symbol 'nosuch'.*column 1/);
	assert.throws(() => ev('[0x3000]'), /cannot read guest memory at 0x3000/);
	assert.throws(() => ev('1 / 0'), /division by zero/);
	assert.throws(() => ev('(1'), /expected '\)'/);
	assert.throws(() => ev('1 # 2'), /unexpected character '#'/);
});
