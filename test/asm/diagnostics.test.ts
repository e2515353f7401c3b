import { test } from 'node:test';
import assert from 'node:assert/strict';
import { asm, bytesOf, FILE } from './helpers';

function only(source: string, files: Record<string, string> = {}) {
	const r = asm(source, files);
	assert.equal(r.ok, false, 'expected an error');
	assert.equal(r.errors.length, 1, JSON.stringify(r.errors));
	return r.errors[0];
}

test('unknown instruction with a suggestion, at the mnemonic', () => {
	const e = only('\tnop\n\tmovx eax, 1');
	assert.deepEqual(e, { file: FILE, line: 2, column: 2, endColumn: 6, message: "unknown instruction 'movx' — did you mean 'mov'?" });
});

test('operand size not specified points at the memory operand', () => {
	const e = only('inc [ebx]');
	assert.equal(e.column, 5);
	assert.match(e.message, /^operand size not specified: write 'dword \[/);
});

test('undefined jump target and undefined symbol', () => {
	assert.equal(only('jmp foo').message, "jump target 'foo' is not defined");
	const e = only('mov eax, [bar + 4]');
	assert.equal(e.message, "symbol 'bar' is not defined");
	assert.equal(e.column, 11);
});

test('values that do not fit', () => {
	assert.equal(only('mov al, 300').message, 'value 300 does not fit in a byte');
	assert.equal(only('db 256').message, 'value 256 does not fit in a byte');
	assert.equal(only('int 0x100').message, 'value 256 does not fit in a byte');
	assert.equal(only('org 0x100000\nx: dw x').message, 'address 0x100000 does not fit in a word');
	// An address that does fit is written, as nasm -f bin writes it (a descriptor's base, an offset in the image).
	assert.equal(bytesOf('org 0x100000\nx: dw x - 0x100000 + 2, x - 0xFFF00\ndb x - 0xFFFFF'), '0200000101');
	assert.match(only('loop x\ntimes 200 nop\nx:').message, /^short jump is out of range: the target is 202 bytes away/);
});

test('times needs a constant count; bits 16 and extern are rejected', () => {
	assert.equal(only('times x db 0\nx:').message, "'times' count must be a constant, not an address");
	assert.match(only('bits 16').message, /only 32-bit code is supported/);
	assert.match(only('extern printf').message, /'extern' cannot be used in a flat binary/);
});

test('operand mistakes', () => {
	assert.equal(only('mov eax, bl').message, "operand sizes do not match: 'eax' and 'bl'");
	assert.equal(only('add eax, ebx, ecx').message, "'add' takes 2 operands, not 3");
	assert.match(only('mov eax, [ax]').message, /16-bit addressing/);
	assert.match(only('mov eax, [ebx*3+ecx]').message, /scale 3/);
	assert.match(only('mov rax, 1').message, /64-bit register/);
	assert.match(only('dd x & 0xff\nx:').message, /cannot be applied to an address/);
});

test('duplicate labels name the first definition', () => {
	const e = only('x: nop\nx: nop');
	assert.deepEqual([e.line, e.column, e.message], [2, 1, "'x' is already defined (at line 1)"]);
});

test('preprocessor errors: missing include, bad macro call, unterminated string', () => {
	assert.match(only('%include "nope.inc"').message, /cannot read included file 'nope.inc'/);
	const e = only('%macro m 1\nmov eax, %1\n%endmacro\nm');
	assert.deepEqual([e.line, e.message], [4, "macro 'm' takes 1 parameter(s), got 0"]);
	assert.equal(only('db "abc').message, 'unterminated string: add the closing "');
	assert.match(only('%ifdef X\nnop').message, /missing '%endif'/);
});

test('errors inside a macro body are reported at the call', () => {
	const e = only('%macro bad 0\nmovz eax, 1\n%endmacro\nnop\nbad');
	assert.equal(e.line, 5);
	assert.match(e.message, /^in macro 'bad': unknown instruction 'movz'/);
});

test('a lone misspelt word is a label with a warning, as in NASM', () => {
	const r = asm('nopp');
	assert.equal(r.ok, true);
	assert.match(r.warnings[0].message, /did you mean the instruction 'nop'\?/);
});

test('garbage never throws', () => {
	for (const s of ['[', ']', 'mov', 'mov eax,', 'db', ',,,', 'times', '%macro', '%define', 'jmp 1:', 'dd (1', '\u0000', 'mov eax, [ebx+]', 'label: equ', '%endif', 'a equ a', 'x: times -1 nop']) {
		const r = asm(s);
		assert.ok(r.errors.every((e) => e.line >= 1 && e.column >= 1 && e.message.length > 0), s);
	}
});
