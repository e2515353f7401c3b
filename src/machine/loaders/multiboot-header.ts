// The Multiboot (version 1) header: a 4-byte aligned record in the first
// 8192 bytes of a kernel image that tells the boot loader what the kernel
// needs. With flag bit 16 (the "a.out kludge") it also says where to load the
// file, which lets flat binaries and odd ELF files boot.

import { ProgramLoadError, hex } from './program-load-error';

export const MULTIBOOT_HEADER_MAGIC = 0x1badb002;
export const MULTIBOOT_BOOTLOADER_MAGIC = 0x2badb002;
const SEARCH_LIMIT = 8192;

export const enum MultibootFlag {
	PageAlignModules = 1 << 0,
	MemoryInfo = 1 << 1,
	VideoMode = 1 << 2,
	AoutKludge = 1 << 16,
}
/** Required-feature bits (0-15) this loader honours; a kernel demanding others must not be started. */
const UNDERSTOOD_REQUIREMENTS = MultibootFlag.PageAlignModules | MultibootFlag.MemoryInfo | MultibootFlag.VideoMode;

export interface MultibootAddresses {
	/** Physical address the header itself must land at; fixes where the file is placed. */
	headerAddr: number;
	loadAddr: number;
	/** 0: load to the end of the file. */
	loadEndAddr: number;
	/** 0: no bss. */
	bssEndAddr: number;
	entryAddr: number;
}

export interface MultibootHeader {
	/** Offset of the magic in the file. */
	offset: number;
	flags: number;
	/** Present when flag bit 16 is set. */
	addresses?: MultibootAddresses;
}

/** Finds and checks the header; undefined when the image carries none. */
export function findMultibootHeader(bytes: Uint8Array): MultibootHeader | undefined {
	const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
	const end = Math.min(bytes.length, SEARCH_LIMIT) - 12;
	for (let offset = 0; offset <= end; offset += 4) {
		if (view.getUint32(offset, true) !== MULTIBOOT_HEADER_MAGIC) continue;
		const flags = view.getUint32(offset + 4, true);
		const checksum = view.getUint32(offset + 8, true);
		// A magic whose checksum fails is just data that happens to look like one; keep looking.
		if (((MULTIBOOT_HEADER_MAGIC + flags + checksum) >>> 0) !== 0) continue;
		const unknown = flags & 0xffff & ~UNDERSTOOD_REQUIREMENTS;
		if (unknown) {
			throw new ProgramLoadError(`the multiboot header at file offset ${hex(offset)} requires features Ringside does not provide (flag bits ${hex(unknown)})`);
		}
		const header: MultibootHeader = { offset, flags };
		if (flags & MultibootFlag.AoutKludge) {
			if (offset + 32 > bytes.length) throw new ProgramLoadError(`the multiboot header at file offset ${hex(offset)} sets the address fields flag (bit 16) but the file ends before them`);
			header.addresses = {
				headerAddr: view.getUint32(offset + 12, true),
				loadAddr: view.getUint32(offset + 16, true),
				loadEndAddr: view.getUint32(offset + 20, true),
				bssEndAddr: view.getUint32(offset + 24, true),
				entryAddr: view.getUint32(offset + 28, true),
			};
		}
		return header;
	}
	return undefined;
}

/** One stretch of guest memory a loader fills: `bytes` at `address`, then zeroes up to `end`. */
export interface LoadSegment {
	address: number;
	bytes: Uint8Array;
	end: number;
	/** For messages: "program header 2", "the multiboot load range". */
	origin: string;
}

/** Where the a.out kludge says the file goes. */
export function kludgeSegment(bytes: Uint8Array, header: MultibootHeader, addresses: MultibootAddresses): LoadSegment {
	const { headerAddr, loadAddr, loadEndAddr, bssEndAddr } = addresses;
	const where = `the multiboot header at file offset ${hex(header.offset)}`;
	if (loadAddr > headerAddr) throw new ProgramLoadError(`${where}: load_addr ${hex(loadAddr)} is above header_addr ${hex(headerAddr)}`);
	const fileStart = header.offset - (headerAddr - loadAddr);
	if (fileStart < 0) throw new ProgramLoadError(`${where}: load_addr ${hex(loadAddr)} would start ${hex(-fileStart)} bytes before the file`);
	if (loadEndAddr !== 0 && loadEndAddr < loadAddr) throw new ProgramLoadError(`${where}: load_end_addr ${hex(loadEndAddr)} is below load_addr ${hex(loadAddr)}`);
	const length = loadEndAddr === 0 ? bytes.length - fileStart : loadEndAddr - loadAddr;
	if (fileStart + length > bytes.length) {
		throw new ProgramLoadError(`${where}: load_end_addr ${hex(loadEndAddr)} asks for ${hex(length)} bytes but the file has only ${hex(bytes.length - fileStart)} from load_addr`);
	}
	const loadEnd = loadAddr + length;
	if (bssEndAddr !== 0 && bssEndAddr < loadEnd) throw new ProgramLoadError(`${where}: bss_end_addr ${hex(bssEndAddr)} is below the end of the loaded data ${hex(loadEnd)}`);
	return { address: loadAddr, bytes: bytes.subarray(fileStart, fileStart + length), end: bssEndAddr === 0 ? loadEnd : bssEndAddr, origin: 'the multiboot load range' };
}
