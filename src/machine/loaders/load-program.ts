// Puts a program into guest RAM the way a multiboot boot loader would, and
// says where to enter it. Three inputs: an ELF32 executable, a flat binary,
// and an image straight from the assembler. A multiboot header with the a.out
// kludge (flag bit 16) overrides the format's own idea of where things go.

import { linear, physical, type LinearAddress } from '../../x86/addresses';
import { SymbolTable, type SourceMap } from '../../symbols/source-map';
import type { PhysicalMemory } from '../physical-memory';
import { EM_386, ElfType, PT_LOAD, isElf, parseElf32, type Elf32File } from './elf-file';
import { readElfSymbols } from '../../symbols/elf-symbols';
import { sourceMapFromDwarf } from '../../symbols/elf-debug-lines';
import { findMultibootHeader, kludgeSegment, type LoadSegment, type MultibootHeader } from './multiboot-header';
import { ProgramLoadError, hex } from './program-load-error';

/** Where a flat binary without a multiboot header goes and starts: the conventional kernel address. */
export const FLAT_LOAD_ADDRESS = 0x100000;

/** What the assembler (src/asm) hands over. */
export interface AssembledImage {
	image: Uint8Array;
	/** Physical address of image[0] (the ORG). */
	origin: number;
	symbols?: SymbolTable;
	sourceMap?: SourceMap;
}

export type ProgramKind = 'elf' | 'flat' | 'assembled';

export interface LoadedRange {
	/** First byte. */
	start: number;
	/** One past the last byte, bss included. */
	end: number;
}

export interface LoadedProgram {
	kind: ProgramKind;
	/** Where execution starts: with paging off and flat segments, linear and physical are the same. */
	entry: LinearAddress;
	ranges: LoadedRange[];
	symbols: SymbolTable;
	sourceMap?: SourceMap;
	/** The parsed file, for readers of its debug sections. */
	elf?: Elf32File;
	multiboot?: MultibootHeader;
}

/** What a loader needs of the PC. */
export interface LoadTarget {
	readonly memory: PhysicalMemory;
}

/** `directory`: where the program file lives, to anchor relative source paths of its debug information. */
export interface LoadOptions {
	directory?: string;
}

export function loadProgram(pc: LoadTarget, bytes: Uint8Array, kind?: 'elf' | 'flat', options?: LoadOptions): LoadedProgram;
export function loadProgram(pc: LoadTarget, program: AssembledImage, kind: 'assembled'): LoadedProgram;
export function loadProgram(pc: LoadTarget, input: Uint8Array | AssembledImage, kind?: ProgramKind, options: LoadOptions = {}): LoadedProgram {
	if (input instanceof Uint8Array) {
		const chosen = kind ?? (isElf(input) ? 'elf' : 'flat');
		if (chosen === 'assembled') throw new ProgramLoadError('an assembled program must be given as { image, origin }, not as raw bytes');
		return chosen === 'elf' ? loadElf(pc, input, options) : loadFlat(pc, input);
	}
	return loadAssembled(pc, input);
}

function loadElf(pc: LoadTarget, bytes: Uint8Array, options: LoadOptions): LoadedProgram {
	const elf = parseElf32(bytes);
	if (elf.machine !== EM_386) throw new ProgramLoadError(`the ELF file is for machine ${elf.machine}, not Intel 80386 (EM_386 = 3): build with -m32 for i386`);
	if (elf.type !== ElfType.Executable) {
		const what = elf.type === ElfType.Relocatable ? 'an object file (ET_REL): link it' : elf.type === ElfType.Shared ? 'position-independent (ET_DYN): link with -static -no-pie' : `of type ${elf.type}`;
		throw new ProgramLoadError(`the ELF file is ${what} into an executable (ET_EXEC) kernel`);
	}
	const multiboot = findMultibootHeader(bytes);
	const symbols = elfSymbols(elf);
	const sourceMap = elfSourceMap(elf, options.directory ?? process.cwd());
	if (multiboot?.addresses) {
		const ranges = place(pc, [kludgeSegment(bytes, multiboot, multiboot.addresses)]);
		return { kind: 'elf', entry: linear(multiboot.addresses.entryAddr), ranges, symbols, sourceMap, elf, multiboot };
	}
	const loads = elf.programHeaders.filter((ph) => ph.type === PT_LOAD && ph.memsz > 0);
	if (loads.length === 0) throw new ProgramLoadError('the ELF file has no loadable (PT_LOAD) segments');
	const segments = loads.map((ph): LoadSegment => {
		if (ph.filesz > ph.memsz) throw new ProgramLoadError(`program header ${ph.index} has more file bytes (${hex(ph.filesz)}) than memory bytes (${hex(ph.memsz)})`);
		return { address: ph.paddr, bytes: bytes.subarray(ph.offset, ph.offset + ph.filesz), end: ph.paddr + ph.memsz, origin: `program header ${ph.index}` };
	});
	// Higher-half kernels link at virtual addresses; like GRUB, enter at the physical address the entry was loaded to.
	const holder = loads.find((ph) => elf.entry >= ph.vaddr && elf.entry - ph.vaddr < ph.memsz);
	if (!holder) throw new ProgramLoadError(`the entry point ${hex(elf.entry)} is not inside any loadable segment`);
	const ranges = place(pc, segments);
	return { kind: 'elf', entry: linear(holder.paddr + (elf.entry - holder.vaddr)), ranges, symbols, sourceMap, elf, multiboot };
}

function loadFlat(pc: LoadTarget, bytes: Uint8Array): LoadedProgram {
	if (bytes.length === 0) throw new ProgramLoadError('the program file is empty');
	const multiboot = findMultibootHeader(bytes);
	if (multiboot?.addresses) {
		const ranges = place(pc, [kludgeSegment(bytes, multiboot, multiboot.addresses)]);
		return { kind: 'flat', entry: linear(multiboot.addresses.entryAddr), ranges, symbols: new SymbolTable(), multiboot };
	}
	const ranges = place(pc, [{ address: FLAT_LOAD_ADDRESS, bytes, end: FLAT_LOAD_ADDRESS + bytes.length, origin: 'the flat binary' }]);
	return { kind: 'flat', entry: linear(FLAT_LOAD_ADDRESS), ranges, symbols: new SymbolTable(), multiboot };
}

function loadAssembled(pc: LoadTarget, program: AssembledImage): LoadedProgram {
	const { image, origin } = program;
	if (image.length === 0) throw new ProgramLoadError('the assembled program is empty: it produced no bytes');
	const symbols = program.symbols ?? new SymbolTable();
	const multiboot = findMultibootHeader(image);
	const common = { kind: 'assembled' as const, symbols, sourceMap: program.sourceMap, multiboot };
	if (multiboot?.addresses) {
		const ranges = place(pc, [kludgeSegment(image, multiboot, multiboot.addresses)]);
		return { ...common, entry: linear(multiboot.addresses.entryAddr), ranges };
	}
	const ranges = place(pc, [{ address: origin, bytes: image, end: origin + image.length, origin: 'the assembled program' }]);
	const start = symbols.lookup('_start') ?? symbols.lookup('start');
	return { ...common, entry: linear(start ? start.address : origin), ranges };
}

/** The program's symbols from .symtab (read by src/symbols), to name addresses and find functions. */
function elfSymbols(elf: Elf32File): SymbolTable {
	const table = new SymbolTable();
	const symtab = elf.section('.symtab');
	if (!symtab) return table;
	const strtab = elf.sections[symtab.link];
	if (!strtab) throw new ProgramLoadError(`.symtab names string table section ${symtab.link}, which does not exist`);
	try {
		for (const symbol of readElfSymbols(elf.sectionData('.symtab')!, elf.bytes.subarray(strtab.offset, strtab.offset + strtab.size))) table.add(symbol);
	} catch (error) {
		throw new ProgramLoadError(`the ELF symbol table is damaged: ${(error as Error).message}`);
	}
	return table;
}

/** Source lines from DWARF .debug_line, when the kernel was built with -g. */
function elfSourceMap(elf: Elf32File, directory: string): SourceMap | undefined {
	try {
		return sourceMapFromDwarf({ debugLine: elf.sectionData('.debug_line'), debugLineStr: elf.sectionData('.debug_line_str'), debugStr: elf.sectionData('.debug_str') }, directory);
	} catch (error) {
		throw new ProgramLoadError(`the ELF line-number information (.debug_line) is damaged: ${(error as Error).message}`);
	}
}

/** Checks that the segments fit in RAM and do not collide, then copies them and zeroes their bss. */
function place(pc: LoadTarget, segments: LoadSegment[]): LoadedRange[] {
	const memory = pc.memory;
	for (const segment of segments) {
		const { address, end, origin } = segment;
		if (end > 0x1_0000_0000) throw new ProgramLoadError(`${origin} at ${hex(address)} runs past the 4 GiB physical address space`);
		if (end > memory.ramSize) {
			throw new ProgramLoadError(`${origin} at ${hex(address)}..${hex(end)} does not fit in ${memory.memoryMiB} MiB of guest memory: raise 'memory' in launch.json`);
		}
	}
	const sorted = [...segments].sort((a, b) => a.address - b.address);
	for (let i = 1; i < sorted.length; i++) {
		const before = sorted[i - 1], after = sorted[i];
		if (after.address < before.end) {
			throw new ProgramLoadError(`${before.origin} (${hex(before.address)}..${hex(before.end)}) and ${after.origin} (${hex(after.address)}..${hex(after.end)}) overlap`);
		}
	}
	for (const { address, bytes, end } of segments) {
		memory.poke(physical(address), bytes);
		memory.fill(physical(address + bytes.length), end - address - bytes.length);
	}
	return sorted.map(({ address, end }) => ({ start: address, end }));
}
