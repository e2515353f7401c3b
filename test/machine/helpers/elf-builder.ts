// Builds small ELF32 images byte by byte, so the loader tests control every
// field (and can break any of them).

export interface SegmentSpec {
	paddr: number;
	vaddr?: number;
	data: Uint8Array;
	/** Defaults to data.length; larger means bss. */
	memsz?: number;
	/** Section name for the segment's bytes. */
	name?: string;
}

export interface ElfSpec {
	entry: number;
	segments: SegmentSpec[];
	machine?: number;
	type?: number;
	symbols?: { name: string; value: number; size?: number }[];
}

export const ELF_HEADER_SIZE = 52;
export const PHDR_SIZE = 32;

export function buildElf(spec: ElfSpec): Uint8Array {
	const phoff = ELF_HEADER_SIZE;
	let offset = phoff + spec.segments.length * PHDR_SIZE;
	const segmentOffsets = spec.segments.map((s) => {
		const at = offset;
		offset += s.data.length;
		return at;
	});

	const strtab = stringTable(['', ...(spec.symbols ?? []).map((s) => s.name)]);
	const symtab = new Uint8Array(16 * (1 + (spec.symbols?.length ?? 0)));
	const symView = new DataView(symtab.buffer);
	(spec.symbols ?? []).forEach((s, i) => {
		const at = 16 * (i + 1);
		symView.setUint32(at, strtab.offsets[i + 1], true);
		symView.setUint32(at + 4, s.value, true);
		symView.setUint32(at + 8, s.size ?? 0, true);
		symView.setUint8(at + 12, 0x12); // global function
		symView.setUint16(at + 14, 1, true);
	});
	const sectionNames = ['', ...spec.segments.map((s, i) => s.name ?? `.seg${i}`), '.symtab', '.strtab', '.shstrtab'];
	const shstrtab = stringTable(sectionNames);
	const symtabOffset = offset; offset += symtab.length;
	const strtabOffset = offset; offset += strtab.bytes.length;
	const shstrtabOffset = offset; offset += shstrtab.bytes.length;
	const shoff = offset;
	const total = shoff + sectionNames.length * 40;

	const bytes = new Uint8Array(total);
	const view = new DataView(bytes.buffer);
	bytes.set([0x7f, 0x45, 0x4c, 0x46, 1, 1, 1]);
	view.setUint16(16, spec.type ?? 2, true);
	view.setUint16(18, spec.machine ?? 3, true);
	view.setUint32(20, 1, true);
	view.setUint32(24, spec.entry, true);
	view.setUint32(28, phoff, true);
	view.setUint32(32, shoff, true);
	view.setUint16(40, ELF_HEADER_SIZE, true);
	view.setUint16(42, PHDR_SIZE, true);
	view.setUint16(44, spec.segments.length, true);
	view.setUint16(46, 40, true);
	view.setUint16(48, sectionNames.length, true);
	view.setUint16(50, sectionNames.length - 1, true);

	spec.segments.forEach((s, i) => {
		const at = phoff + i * PHDR_SIZE;
		view.setUint32(at, 1, true);
		view.setUint32(at + 4, segmentOffsets[i], true);
		view.setUint32(at + 8, s.vaddr ?? s.paddr, true);
		view.setUint32(at + 12, s.paddr, true);
		view.setUint32(at + 16, s.data.length, true);
		view.setUint32(at + 20, s.memsz ?? s.data.length, true);
		view.setUint32(at + 24, 5, true);
		view.setUint32(at + 28, 0x1000, true);
		bytes.set(s.data, segmentOffsets[i]);
	});
	bytes.set(symtab, symtabOffset);
	bytes.set(strtab.bytes, strtabOffset);
	bytes.set(shstrtab.bytes, shstrtabOffset);

	const section = (index: number, type: number, addr: number, off: number, size: number, link = 0, entsize = 0) => {
		const at = shoff + index * 40;
		view.setUint32(at, shstrtab.offsets[index], true);
		view.setUint32(at + 4, type, true);
		view.setUint32(at + 12, addr, true);
		view.setUint32(at + 16, off, true);
		view.setUint32(at + 20, size, true);
		view.setUint32(at + 24, link, true);
		view.setUint32(at + 36, entsize, true);
	};
	spec.segments.forEach((s, i) => section(i + 1, 1, s.vaddr ?? s.paddr, segmentOffsets[i], s.data.length));
	const n = spec.segments.length;
	section(n + 1, 2, 0, symtabOffset, symtab.length, n + 2, 16);
	section(n + 2, 3, 0, strtabOffset, strtab.bytes.length);
	section(n + 3, 3, 0, shstrtabOffset, shstrtab.bytes.length);
	return bytes;
}

function stringTable(names: string[]): { bytes: Uint8Array; offsets: number[] } {
	const offsets: number[] = [];
	const parts: number[] = [];
	for (const name of names) {
		if (name === '' && parts.length > 0) { offsets.push(0); continue; }
		offsets.push(parts.length);
		for (const c of Buffer.from(name)) parts.push(c);
		parts.push(0);
	}
	return { bytes: Uint8Array.from(parts), offsets };
}

/** A multiboot header: magic, flags, checksum, and the five kludge fields when given. */
export function multibootHeader(flags: number, addresses?: [number, number, number, number, number]): Uint8Array {
	const words = [0x1badb002, flags, (-(0x1badb002 + flags)) >>> 0, ...(addresses ?? [])];
	const bytes = new Uint8Array(words.length * 4);
	const view = new DataView(bytes.buffer);
	words.forEach((w, i) => view.setUint32(i * 4, w >>> 0, true));
	return bytes;
}
