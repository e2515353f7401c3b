// ELF32 .symtab entries worth showing a user: functions, objects and plain
// labels (assembly), without section and file symbols.

import { ByteReader, stringAt } from './byte-reader';
import type { SymbolEntry } from './source-map';

const STT_NOTYPE = 0, STT_OBJECT = 1, STT_FUNC = 2;
const SHN_UNDEF = 0;
const ENTRY_SIZE = 16;

export function readElfSymbols(symtab: Uint8Array, strtab: Uint8Array): SymbolEntry[] {
	const symbols: SymbolEntry[] = [];
	const reader = new ByteReader(symtab, 0, '.symtab');
	for (let index = 0; index + ENTRY_SIZE <= symtab.length; index += ENTRY_SIZE) {
		reader.offset = index;
		const nameOffset = reader.u32();
		const address = reader.u32();
		const size = reader.u32();
		const info = reader.u8();
		reader.u8(); // st_other
		const sectionIndex = reader.u16();
		const type = info & 0xf;
		if (nameOffset === 0 || sectionIndex === SHN_UNDEF) continue;
		if (type !== STT_NOTYPE && type !== STT_OBJECT && type !== STT_FUNC) continue;
		symbols.push({ name: stringAt(strtab, nameOffset, '.strtab'), address, size });
	}
	return symbols;
}
