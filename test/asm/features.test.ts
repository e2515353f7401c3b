import { test } from 'node:test';
import assert from 'node:assert/strict';
import { asm, bytesOf, FILE } from './helpers';
import { DIRECTIVES, SUPPORTED_MNEMONICS } from '../../src/asm';

test('instruction encodings follow NASM choices', () => {
	assert.equal(bytesOf('mov eax, 1'), 'b801000000');
	assert.equal(bytesOf('add eax, 1'), '83c001');
	assert.equal(bytesOf('add eax, 1000'), '05e8030000');
	assert.equal(bytesOf('add al, 1'), '0401');
	assert.equal(bytesOf('or ax, 2'), '6683c802');
	assert.equal(bytesOf('shl eax, 1'), 'd1e0');
	assert.equal(bytesOf('xchg ecx, edx'), '87ca');
	assert.equal(bytesOf('xchg eax, ebx'), '93');
	assert.equal(bytesOf('mov ds, ax'), '8ed8');
	assert.equal(bytesOf('mov ax, ds'), '668cd8');
	assert.equal(bytesOf('lldt ax'), '0f00d0');
	assert.equal(bytesOf('rep movsd'), 'f3a5');
	assert.equal(bytesOf('repz cmpsw'), 'f366a7');
	assert.equal(bytesOf('lock inc dword [ebx]'), 'f0ff03');
	assert.equal(bytesOf('mov eax, [fs:0x10]'), '64a110000000');
	assert.equal(bytesOf('mov eax, cr0\nmov cr3, ebx'), '0f20c00f22db');
	assert.equal(bytesOf('imul eax, 10'), '6bc00a');
	assert.equal(bytesOf('aam'), 'd40a');
	assert.equal(bytesOf('xlatb'), 'd7');
});

test('memory operands: scaling, esp/ebp bases and NASM register splitting', () => {
	assert.equal(bytesOf('mov eax, [ebp]'), '8b4500');
	assert.equal(bytesOf('mov eax, [esp+4]'), '8b442404');
	assert.equal(bytesOf('mov eax, [eax*2]'), '8b0400');
	assert.equal(bytesOf('mov eax, [ebx*4]'), '8b049d00000000');
	assert.equal(bytesOf('mov eax, [eax+esp]'), '8b0404');
	assert.equal(bytesOf('mov eax, [ebx+ecx*8+0x80]'), '8b84cb80000000');
	assert.equal(bytesOf('mov eax, [0xC0300000]'), 'a1000030c0');
});

test('labels, origin and flat sections (.text, then .data aligned to 4, .bss reserved only)', () => {
	const r = asm('org 0x1000\nstart: mov eax, msg\nsection .data\nmsg: db "hi"\nsection .bss\nbuf: resb 16\nsection .text\nmov ebx, buf');
	assert.deepEqual(r.errors, []);
	assert.equal(r.origin, 0x1000);
	assert.equal(r.symbols.lookup('start')?.address, 0x1000);
	assert.equal(r.symbols.lookup('msg')?.address, 0x100c);
	assert.equal(r.symbols.lookup('buf')?.address, 0x1010);
	assert.equal(Buffer.from(r.image).toString('hex'), 'b80c100000bb10100000000068' + '69');
});

test('local labels belong to the previous non-local label', () => {
	const r = asm('a:\n.l: jmp .l\nb:\n.l: jmp a.l');
	assert.deepEqual(r.errors, []);
	assert.equal(r.symbols.lookup('a.l')?.address, 0);
	assert.equal(r.symbols.lookup('b.l')?.address, 2);
	assert.equal(Buffer.from(r.image).toString('hex'), 'ebfeebfc');
});

test('jumps are short when they fit and near when they do not', () => {
	assert.equal(bytesOf('jmp x\nx:'), 'eb00');
	assert.equal(bytesOf('jmp near x\nx:'), 'e900000000');
	const far = bytesOf('jz x\ntimes 128 nop\nx:');
	assert.equal(far.slice(0, 12), '0f8480000000');
	assert.equal(bytesOf('x: times 126 nop\njz x').slice(-4), '7480');
});

test('data directives: numbers, characters, strings with escapes, dq, times, $ and $$', () => {
	assert.equal(bytesOf("db 1, 'ab', \"c\", `\\n\\x41\\0`"), '01616263' + '0a4100');
	assert.equal(bytesOf("dw 'a', -1\ndd 0x12345678"), '6100ffff78563412');
	assert.equal(bytesOf('dq 0x00CF9A000000FFFF'), 'ffff0000009acf00');
	assert.equal(bytesOf('times 3 db 7'), '070707');
	assert.equal(bytesOf('db 1\ntimes 4-($-$$) db 0'), '01000000');
	assert.equal(bytesOf('dd 0b1010, 1010b, 0o17, 17q, 1Fh, 0x1F').length, 48);
	assert.equal(bytesOf('x equ 3 + 4 * 2\ndb x, x >> 1, ~x & 0xff, x % 4, -x + 20'), '0b05f40309');
});

test('align pads code with NOP, alignb and .bss reserve', () => {
	assert.equal(bytesOf('db 1\nalign 4'), '01909090');
	assert.equal(bytesOf('db 1\nalign 4, db 0'), '01000000');
	const r = asm('section .bss\nresb 1\nalignb 8\ny: resd 1');
	assert.equal(r.symbols.lookup('y')?.address, 8);
	assert.equal(r.image.length, 0);
});

test('%define with and without arguments, %assign, %if/%ifdef', () => {
	assert.equal(bytesOf('%define PORT 0x3f8\nmov dx, PORT'), '66baf803');
	assert.equal(bytesOf('%define SUM(a, b) ((a) + (b))\ndb SUM(1, 2)'), '03');
	assert.equal(bytesOf('%assign n 2 * 3\ndb n'), '06');
	assert.equal(bytesOf('%define X\n%ifdef X\ndb 1\n%else\ndb 2\n%endif\n%ifndef X\ndb 3\n%endif\n%if 0\ndb 4\n%endif'), '01');
});

test('%macro with parameters and %% locals; the source map points at the call', () => {
	const src = '%macro outb 2\n\tmov dx, %1\n\tmov al, %2\n\tout dx, al\n%endmacro\n%macro spin 0\n%%l: jmp %%l\n%endmacro\nouts: outb 0x3f8, 65\nspin\nspin';
	const r = asm(src);
	assert.deepEqual(r.errors, []);
	assert.equal(Buffer.from(r.image).toString('hex'), '66baf803b041ee' + 'ebfe' + 'ebfe');
	assert.deepEqual(r.sourceMap.addressesFor(FILE, 9), [0, 4, 6]);
	assert.deepEqual(r.sourceMap.lineFor(7), { file: FILE, line: 10 });
});

test('%include reads relative to the including file and maps lines to the included file', () => {
	const r = asm('%include "lib/io.inc"\ncall putc', { '/guest/lib/io.inc': 'putc:\n\tret\n' });
	assert.deepEqual(r.errors, []);
	assert.deepEqual(r.sourceMap.lineFor(0), { file: '/guest/lib/io.inc', line: 2 });
	assert.deepEqual(r.sourceMap.lineFor(1), { file: FILE, line: 2 });
	assert.equal(Buffer.from(r.image).toString('hex'), 'c3e8faffffff');
});

test('source map has one row per instruction and per data line', () => {
	const r = asm('start:\n\tnop\n\tmov eax, 1\n\tdb 1, 2\n\ttimes 2 nop');
	assert.deepEqual(r.sourceMap.addressesFor(FILE, 2), [0]);
	assert.deepEqual(r.sourceMap.addressesFor(FILE, 3), [1]);
	assert.deepEqual(r.sourceMap.addressesFor(FILE, 4), [6]);
	assert.deepEqual(r.sourceMap.addressesFor(FILE, 5), [8, 9]);
	assert.equal(r.sourceMap.nearestLineWithCode(FILE, 1), 2);
});

test('far jumps and calls, far indirect, [bits 32] and [org]', () => {
	assert.equal(bytesOf('[bits 32]\n[org 0x100]\njmp 0x08:x\nx: call far [x]'), 'ea070100000800' + 'ff1d07010000');
});

test('exports the vocabulary for the language server', () => {
	for (const m of ['mov', 'jz', 'cmovne', 'rep', 'movsb', 'iretd', 'lgdt', 'wrmsr']) assert.ok(SUPPORTED_MNEMONICS.includes(m), m);
	for (const d of ['db', 'times', 'equ', '%define', '%macro', 'section', 'org', 'align']) assert.ok(DIRECTIVES.includes(d), d);
});
