// ELF32 little-endian files: header, program headers and section headers with
// their names. Every offset and size is checked against the file before use,
// so a truncated or hostile file gives a ProgramLoadError naming the part at
// fault. Symbols and DWARF are read elsewhere (src/symbols) from `sectionData`.

import { ProgramLoadError, hex } from './program-load-error';

export const enum ElfType { Relocatable = 1, Executable = 2, Shared = 3, Core = 4 }
export const EM_386 = 3;
export const PT_LOAD = 1;
export const SHT_NOBITS = 8;

const HEADER_SIZE = 52;
const PROGRAM_HEADER_SIZE = 32;
const SECTION_HEADER_SIZE = 40;
/** e_phnum value meaning "the real count is in section 0's sh_info". */
const PN_XNUM = 0xffff;
const SHN_XINDEX = 0xffff;

export interface Elf32ProgramHeader {
	index: number;
	type: number;
	offset: number;
	vaddr: number;
	paddr: number;
	filesz: number;
	memsz: number;
	flags: number;
	align: number;
}

export interface Elf32SectionHeader {
	index: number;
	name: string;
	type: number;
	flags: number;
	addr: number;
	offset: number;
	size: number;
	link: number;
	info: number;
	addralign: number;
	entsize: number;
}

export interface Elf32File {
	bytes: Uint8Array;
	type: number;
	machine: number;
	entry: number;
	flags: number;
	programHeaders: Elf32ProgramHeader[];
	sections: Elf32SectionHeader[];
	section(name: string): Elf32SectionHeader | undefined;
	/** The bytes of the named section (zeroes for a NOBITS section such as .bss), or undefined when it does not exist. */
	sectionData(name: string): Uint8Array | undefined;
}

export function isElf(bytes: Uint8Array): boolean {
	return bytes.length >= 4 && bytes[0] === 0x7f && bytes[1] === 0x45 && bytes[2] === 0x4c && bytes[3] === 0x46;
}

export function parseElf32(bytes: Uint8Array): Elf32File {
	if (!isElf(bytes)) throw new ProgramLoadError('not an ELF file (it does not start with 0x7F "ELF")');
	if (bytes.length < 16) throw new ProgramLoadError(`ELF file is truncated: ${bytes.length} bytes, shorter than its identification`);
	const elfClass = bytes[4];
	if (elfClass === 2) throw new ProgramLoadError('ELF64 kernels are not supported: build with -m32 (gcc) or -f elf32 (nasm)');
	if (elfClass !== 1) throw new ProgramLoadError(`ELF class ${elfClass} is not valid (expected 1, ELF32)`);
	if (bytes[5] === 2) throw new ProgramLoadError('big-endian ELF files are not supported: IA-32 programs are little-endian');
	if (bytes[5] !== 1) throw new ProgramLoadError(`ELF data encoding ${bytes[5]} is not valid (expected 1, little-endian)`);
	if (bytes.length < HEADER_SIZE) throw new ProgramLoadError(`ELF file is truncated: ${bytes.length} bytes, shorter than the 52-byte ELF32 header`);

	const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
	const u16 = (at: number) => view.getUint16(at, true);
	const u32 = (at: number) => view.getUint32(at, true);

	const phoff = u32(28), shoff = u32(32);
	const phentsize = u16(42), shentsize = u16(46);
	let phnum = u16(44), shnum = u16(48), shstrndx = u16(50);

	if (shoff !== 0) {
		if (shentsize !== SECTION_HEADER_SIZE) throw new ProgramLoadError(`section header entries are ${shentsize} bytes, ELF32 needs ${SECTION_HEADER_SIZE}`);
		checkTable(bytes, 'section header table', shoff, 1, SECTION_HEADER_SIZE);
		// Extended numbering: counts too large for the header live in section 0.
		if (shnum === 0) shnum = u32(shoff + 20);
		if (shstrndx === SHN_XINDEX) shstrndx = u32(shoff + 24);
		if (phnum === PN_XNUM) phnum = u32(shoff + 28);
	}
	if (phnum > 0) {
		if (phentsize !== PROGRAM_HEADER_SIZE) throw new ProgramLoadError(`program header entries are ${phentsize} bytes, ELF32 needs ${PROGRAM_HEADER_SIZE}`);
		checkTable(bytes, 'program header table', phoff, phnum, PROGRAM_HEADER_SIZE);
	}

	const programHeaders: Elf32ProgramHeader[] = [];
	for (let index = 0; index < phnum; index++) {
		const at = phoff + index * PROGRAM_HEADER_SIZE;
		const ph: Elf32ProgramHeader = {
			index, type: u32(at), offset: u32(at + 4), vaddr: u32(at + 8), paddr: u32(at + 12),
			filesz: u32(at + 16), memsz: u32(at + 20), flags: u32(at + 24), align: u32(at + 28),
		};
		if (ph.offset + ph.filesz > bytes.length) {
			throw new ProgramLoadError(`program header ${index} extends past the end of the file (${hex(ph.offset)}+${hex(ph.filesz)} > ${hex(bytes.length)}): the file is truncated`);
		}
		programHeaders.push(ph);
	}

	const sections: Elf32SectionHeader[] = [];
	if (shoff !== 0 && shnum > 0) {
		checkTable(bytes, 'section header table', shoff, shnum, SECTION_HEADER_SIZE);
		for (let index = 0; index < shnum; index++) {
			const at = shoff + index * SECTION_HEADER_SIZE;
			const sh: Elf32SectionHeader = {
				index, name: '', type: u32(at + 4), flags: u32(at + 8), addr: u32(at + 12), offset: u32(at + 16),
				size: u32(at + 20), link: u32(at + 24), info: u32(at + 28), addralign: u32(at + 32), entsize: u32(at + 36),
			};
			if (sh.type !== SHT_NOBITS && index !== 0 && sh.offset + sh.size > bytes.length) {
				throw new ProgramLoadError(`section ${index} extends past the end of the file (${hex(sh.offset)}+${hex(sh.size)} > ${hex(bytes.length)}): the file is truncated`);
			}
			sections.push(sh);
		}
		if (shstrndx !== 0) {
			const names = sections[shstrndx];
			if (!names) throw new ProgramLoadError(`section name table index ${shstrndx} is past the ${shnum} sections`);
			const nameAt = (at: number) => view.getUint32(shoff + at * SECTION_HEADER_SIZE, true);
			sections.forEach((sh) => { sh.name = readName(bytes, names, nameAt(sh.index), sh.index); });
		}
	}

	const section = (name: string) => sections.find((sh) => sh.name === name);
	return {
		bytes, type: u16(16), machine: u16(18), entry: u32(24), flags: u32(36), programHeaders, sections, section,
		sectionData(name: string) {
			const sh = section(name);
			if (!sh) return undefined;
			return sh.type === SHT_NOBITS ? new Uint8Array(sh.size) : bytes.subarray(sh.offset, sh.offset + sh.size);
		},
	};
}

function checkTable(bytes: Uint8Array, what: string, offset: number, count: number, entrySize: number): void {
	if (offset + count * entrySize > bytes.length) {
		throw new ProgramLoadError(`${what} (${count} entries at ${hex(offset)}) extends past the end of the file (${hex(bytes.length)} bytes): the file is truncated`);
	}
}

function readName(bytes: Uint8Array, table: Elf32SectionHeader, offset: number, index: number): string {
	if (offset >= table.size) throw new ProgramLoadError(`section ${index}'s name is at ${hex(offset)}, past the end of the section name table`);
	const start = table.offset + offset;
	let end = start;
	const limit = table.offset + table.size;
	while (end < limit && bytes[end] !== 0) end++;
	return new TextDecoder().decode(bytes.subarray(start, end));
}
