// The multiboot information structure a kernel finds through EBX. Layout in
// guest memory, from the base (0x9000, or 0x9F000 when the program occupies
// 0x9000..0x9FFF):
//   base + 0x000  the 88-byte information structure (flags, mem_lower/upper,
//                 cmdline, mmap_length/addr, boot_loader_name; other fields 0)
//   base + 0x080  the memory map: four 24-byte entries (size = 20, base, length, type)
//   base + 0x100  boot loader name, "Ringside\0"
//   base + 0x120  the command line, NUL-terminated, at most 1023 bytes
// The whole block stays below base + 0x520, inside the 4 KiB reserved for it.

import { physical, type PhysicalAddress } from '../../x86/addresses';
import type { PhysicalMemory } from '../physical-memory';
import type { LoadedRange } from './load-program';
import { ProgramLoadError, hex } from './program-load-error';

export const MULTIBOOT_INFO_ADDRESSES = [0x9000, 0x9f000] as const;
const BLOCK_SIZE = 0x1000;
const MMAP_OFFSET = 0x80;
const NAME_OFFSET = 0x100;
const CMDLINE_OFFSET = 0x120;
export const MAX_COMMAND_LINE = 1023;
export const BOOT_LOADER_NAME = 'Ringside';

export const enum MultibootInfoFlag { Memory = 1 << 0, CommandLine = 1 << 2, MemoryMap = 1 << 6, BootLoaderName = 1 << 9 }
export const enum MemoryType { Available = 1, Reserved = 2 }

/** The conventional-memory top (639 KiB): the last KiB below 640 KiB is the extended BIOS data area. */
const EBDA_START = 0x9fc00;
const VGA_START = 0xa0000;
const BIOS_START = 0xf0000;
const HIGH_MEMORY = 0x100000;

export interface MemoryMapEntry {
	base: number;
	length: number;
	type: MemoryType;
}

export function memoryMap(ramSize: number): MemoryMapEntry[] {
	return [
		{ base: 0, length: EBDA_START, type: MemoryType.Available },
		{ base: EBDA_START, length: VGA_START - EBDA_START, type: MemoryType.Reserved },
		{ base: BIOS_START, length: HIGH_MEMORY - BIOS_START, type: MemoryType.Reserved },
		{ base: HIGH_MEMORY, length: ramSize - HIGH_MEMORY, type: MemoryType.Available },
	];
}

/** Writes the structure where the program is not, and returns its address (the kernel's EBX). */
export function writeMultibootInfo(memory: PhysicalMemory, commandLine: string, occupied: readonly LoadedRange[]): PhysicalAddress {
	const cmdline = new TextEncoder().encode(commandLine);
	if (cmdline.length > MAX_COMMAND_LINE) throw new ProgramLoadError(`the kernel command line is ${cmdline.length} bytes; at most ${MAX_COMMAND_LINE} fit`);
	if (cmdline.includes(0)) throw new ProgramLoadError('the kernel command line contains a NUL character');
	const base = MULTIBOOT_INFO_ADDRESSES.find((at) => occupied.every((r) => r.end <= at || r.start >= at + BLOCK_SIZE));
	if (base === undefined) {
		throw new ProgramLoadError(`the program occupies both places for the multiboot information (${MULTIBOOT_INFO_ADDRESSES.map((a) => `${hex(a)}..${hex(a + BLOCK_SIZE)}`).join(' and ')}): move it`);
	}

	const block = new Uint8Array(BLOCK_SIZE);
	const view = new DataView(block.buffer);
	const map = memoryMap(memory.ramSize);
	view.setUint32(0, MultibootInfoFlag.Memory | MultibootInfoFlag.CommandLine | MultibootInfoFlag.MemoryMap | MultibootInfoFlag.BootLoaderName, true);
	view.setUint32(4, EBDA_START / 1024, true);
	view.setUint32(8, (memory.ramSize - HIGH_MEMORY) / 1024, true);
	view.setUint32(16, base + CMDLINE_OFFSET, true);
	view.setUint32(44, map.length * 24, true);
	view.setUint32(48, base + MMAP_OFFSET, true);
	view.setUint32(64, base + NAME_OFFSET, true);
	map.forEach((entry, i) => {
		const at = MMAP_OFFSET + i * 24;
		// `size` counts the entry without itself, so a kernel steps by size + 4.
		view.setUint32(at, 20, true);
		view.setBigUint64(at + 4, BigInt(entry.base), true);
		view.setBigUint64(at + 12, BigInt(entry.length), true);
		view.setUint32(at + 20, entry.type, true);
	});
	block.set(new TextEncoder().encode(BOOT_LOADER_NAME), NAME_OFFSET);
	block.set(cmdline, CMDLINE_OFFSET);

	memory.poke(physical(base), block.subarray(0, CMDLINE_OFFSET + cmdline.length + 1));
	return physical(base);
}

