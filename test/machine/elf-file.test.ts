import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseElf32, SHT_NOBITS } from '../../src/machine/loaders/elf-file';
import { ProgramLoadError } from '../../src/machine/loaders/program-load-error';
import { buildElf, ELF_HEADER_SIZE, PHDR_SIZE } from './helpers/elf-builder';

const code = Uint8Array.from([0xf4, 0xeb, 0xfd]);

test('a hand-built ELF32 parses: header, program headers, named sections, section data', () => {
	const bytes = buildElf({ entry: 0x100000, segments: [{ paddr: 0x100000, data: code, name: '.text' }, { paddr: 0x101000, data: Uint8Array.of(7), memsz: 0x20, name: '.data' }] });
	const elf = parseElf32(bytes);
	assert.equal(elf.machine, 3);
	assert.equal(elf.type, 2);
	assert.equal(elf.entry, 0x100000);
	assert.equal(elf.programHeaders.length, 2);
	assert.deepEqual({ ...elf.programHeaders[1], offset: 0 }, { index: 1, type: 1, offset: 0, vaddr: 0x101000, paddr: 0x101000, filesz: 1, memsz: 0x20, flags: 5, align: 0x1000 });
	assert.deepEqual(elf.sections.map((s) => s.name), ['', '.text', '.data', '.symtab', '.strtab', '.shstrtab']);
	assert.deepEqual([...elf.sectionData('.text')!], [...code]);
	assert.equal(elf.sectionData('.nope'), undefined);
});

test('a NOBITS section reads as zeroes of its size', () => {
	const bytes = buildElf({ entry: 0, segments: [{ paddr: 0x100000, data: code, name: '.bss' }] });
	const elf = parseElf32(bytes);
	const bss = elf.section('.bss')!;
	const view = new DataView(bytes.buffer);
	view.setUint32(view.getUint32(32, true) + 40 + 4, SHT_NOBITS, true);
	assert.equal(bss.index, 1);
	assert.deepEqual([...parseElf32(bytes).sectionData('.bss')!], [0, 0, 0]);
});

const fails = (bytes: Uint8Array, message: RegExp) => assert.throws(() => parseElf32(bytes), (e: unknown) => e instanceof ProgramLoadError && message.test(e.message));

test('not an ELF file', () => {
	fails(new Uint8Array([0x4d, 0x5a, 0x90, 0]), /^not an ELF file/);
	fails(new Uint8Array(0), /^not an ELF file/);
});

test('ELF64 and big-endian files are refused with what to do', () => {
	const bytes = buildElf({ entry: 0, segments: [{ paddr: 0x100000, data: code }] });
	const elf64 = bytes.slice(); elf64[4] = 2;
	fails(elf64, /ELF64 kernels are not supported: build with -m32/);
	const big = bytes.slice(); big[5] = 2;
	fails(big, /big-endian/);
	const bad = bytes.slice(); bad[4] = 9;
	fails(bad, /ELF class 9 is not valid/);
});

test('truncated files name the part that is cut off', () => {
	const bytes = buildElf({ entry: 0, segments: [{ paddr: 0x100000, data: code }, { paddr: 0x200000, data: new Uint8Array(64) }] });
	fails(bytes.subarray(0, 40), /truncated: 40 bytes, shorter than the 52-byte ELF32 header/);
	const view = new DataView(bytes.buffer);
	const second = ELF_HEADER_SIZE + PHDR_SIZE;
	view.setUint32(second + 16, 0x10000, true);
	fails(bytes, /program header 1 extends past the end of the file/);
	const short = buildElf({ entry: 0, segments: [{ paddr: 0x100000, data: code }] }).slice(0, ELF_HEADER_SIZE + 8);
	new DataView(short.buffer).setUint32(32, 0, true);
	fails(short, /program header table \(1 entries at 0x34\) extends past the end of the file/);
});

test('section headers pointing past the end of the file are caught', () => {
	const bytes = buildElf({ entry: 0, segments: [{ paddr: 0x100000, data: code }] });
	const view = new DataView(bytes.buffer);
	view.setUint32(32, bytes.length - 10, true);
	fails(bytes, /section header table .* extends past the end of the file/);
});

test('entry sizes other than ELF32\'s are refused', () => {
	const bytes = buildElf({ entry: 0, segments: [{ paddr: 0x100000, data: code }] });
	new DataView(bytes.buffer).setUint16(42, 56, true);
	fails(bytes, /program header entries are 56 bytes, ELF32 needs 32/);
});
