// DWARF .debug_line: the line-number programs that `gcc -g` emits (versions 2
// to 5), run to produce address -> file:line rows. Only rows that are
// statement boundaries (is_stmt) become breakpoint locations.

import { isAbsolute, join, normalize } from 'node:path';
import { ByteReader, DebugInfoError, stringAt } from './byte-reader';

export interface LineRow {
	address: number;
	file: string;
	line: number;
	column: number;
	isStatement: boolean;
	endSequence: boolean;
}

export interface DebugLineSections {
	debugLine: Uint8Array;
	/** DWARF 5 DW_FORM_line_strp strings. */
	debugLineStr?: Uint8Array;
	/** DW_FORM_strp strings. */
	debugStr?: Uint8Array;
	/** Where relative paths are anchored when the unit does not say (DWARF 2-4 put the compilation directory in .debug_info). */
	compilationDirectory: string;
}

interface LineProgramHeader {
	version: number;
	addressSize: number;
	minimumInstructionLength: number;
	defaultIsStatement: boolean;
	lineBase: number;
	lineRange: number;
	opcodeBase: number;
	standardOpcodeLengths: number[];
	files: string[];
	/** DWARF 5 numbers files from 0; earlier versions from 1. */
	firstFileIndex: number;
	programStart: number;
	unitEnd: number;
}

const DW_LNCT_path = 1, DW_LNCT_directory_index = 2;
const DW_FORM = { block: 0x09, data1: 0x0b, data2: 0x05, data4: 0x06, data8: 0x07, data16: 0x1e, string: 0x08, strp: 0x0e, udata: 0x0f, line_strp: 0x1f } as const;

/** Runs every line-number program in .debug_line and returns its rows in program order. */
export function readLineTable(sections: DebugLineSections): LineRow[] {
	const reader = new ByteReader(sections.debugLine, 0, '.debug_line');
	const rows: LineRow[] = [];
	while (!reader.atEnd) {
		const header = readHeader(reader, sections);
		reader.offset = header.programStart;
		runProgram(reader, header, rows);
		reader.offset = header.unitEnd;
	}
	return rows;
}

function readHeader(reader: ByteReader, sections: DebugLineSections): LineProgramHeader {
	const unitLength = reader.u32();
	if (unitLength === 0xffffffff) throw new DebugInfoError('.debug_line: 64-bit DWARF is not supported (build with -m32)');
	const unitEnd = reader.offset + unitLength;
	if (unitEnd > sections.debugLine.length) throw new DebugInfoError('.debug_line: a unit extends past the end of the section');
	const version = reader.u16();
	if (version < 2 || version > 5) throw new DebugInfoError(`.debug_line: DWARF version ${version} is not supported`);
	let addressSize = 4;
	if (version >= 5) {
		addressSize = reader.u8();
		reader.u8(); // segment selector size
	}
	const headerLength = reader.u32();
	const programStart = reader.offset + headerLength;
	const minimumInstructionLength = reader.u8();
	if (version >= 4) reader.u8(); // maximum operations per instruction: 1 on x86
	const defaultIsStatement = reader.u8() !== 0;
	const lineBase = reader.i8();
	const lineRange = reader.u8();
	const opcodeBase = reader.u8();
	if (lineRange === 0) throw new DebugInfoError('.debug_line: line_range is 0');
	const standardOpcodeLengths: number[] = [];
	for (let i = 1; i < opcodeBase; i++) standardOpcodeLengths.push(reader.u8());

	const files = version >= 5 ? readV5FileTable(reader, sections) : readV2FileTable(reader, sections.compilationDirectory);
	return {
		version, addressSize, minimumInstructionLength, defaultIsStatement, lineBase, lineRange, opcodeBase,
		standardOpcodeLengths, files, firstFileIndex: version >= 5 ? 0 : 1, programStart, unitEnd,
	};
}

function readV2FileTable(reader: ByteReader, compilationDirectory: string): string[] {
	const directories = [compilationDirectory];
	for (let dir = reader.cstring(); dir !== ''; dir = reader.cstring()) directories.push(anchor(dir, compilationDirectory));
	const files: string[] = [];
	for (let name = reader.cstring(); name !== ''; name = reader.cstring()) {
		const directory = directories[reader.uleb()] ?? compilationDirectory;
		reader.uleb(); // modification time
		reader.uleb(); // length
		files.push(anchor(name, directory));
	}
	return files;
}

function readV5FileTable(reader: ByteReader, sections: DebugLineSections): string[] {
	const directories = readV5EntryList(reader, sections).map((e) => anchor(e.path ?? '', sections.compilationDirectory));
	return readV5EntryList(reader, sections).map((e) => anchor(e.path ?? '?', directories[e.directory ?? 0] ?? sections.compilationDirectory));
}

function readV5EntryList(reader: ByteReader, sections: DebugLineSections): Array<{ path?: string; directory?: number }> {
	const formatCount = reader.u8();
	const formats: Array<[number, number]> = [];
	for (let i = 0; i < formatCount; i++) formats.push([reader.uleb(), reader.uleb()]);
	const count = reader.uleb();
	const entries: Array<{ path?: string; directory?: number }> = [];
	for (let i = 0; i < count; i++) {
		const entry: { path?: string; directory?: number } = {};
		for (const [contentType, form] of formats) {
			const value = readForm(reader, form, sections);
			if (contentType === DW_LNCT_path && typeof value === 'string') entry.path = value;
			if (contentType === DW_LNCT_directory_index && typeof value === 'number') entry.directory = value;
		}
		entries.push(entry);
	}
	return entries;
}

function readForm(reader: ByteReader, form: number, sections: DebugLineSections): string | number | undefined {
	switch (form) {
		case DW_FORM.string: return reader.cstring();
		case DW_FORM.line_strp: return stringAt(sections.debugLineStr, reader.u32(), '.debug_line_str');
		case DW_FORM.strp: return stringAt(sections.debugStr, reader.u32(), '.debug_str');
		case DW_FORM.udata: return reader.uleb();
		case DW_FORM.data1: return reader.u8();
		case DW_FORM.data2: return reader.u16();
		case DW_FORM.data4: return reader.u32();
		case DW_FORM.data8: reader.skip(8); return undefined;
		case DW_FORM.data16: reader.skip(16); return undefined;
		case DW_FORM.block: reader.skip(reader.uleb()); return undefined;
		default: throw new DebugInfoError(`.debug_line: unsupported attribute form 0x${form.toString(16)} in the file table`);
	}
}

function anchor(path: string, directory: string): string {
	return normalize(isAbsolute(path) ? path : join(directory, path));
}

function runProgram(reader: ByteReader, header: LineProgramHeader, rows: LineRow[]): void {
	// The file register starts at 1 in every version (in DWARF 5 that is the second entry).
	const fresh = () => ({ address: 0, file: 1, line: 1, column: 0, isStatement: header.defaultIsStatement });
	let state = fresh();
	const fileName = (index: number) => header.files[index - header.firstFileIndex] ?? `<file ${index}>`;
	const emit = (endSequence: boolean) => rows.push({
		address: state.address >>> 0, file: fileName(state.file), line: state.line, column: state.column,
		isStatement: state.isStatement, endSequence,
	});

	while (reader.offset < header.unitEnd) {
		const opcode = reader.u8();
		if (opcode >= header.opcodeBase) {
			const adjusted = opcode - header.opcodeBase;
			state.address += Math.floor(adjusted / header.lineRange) * header.minimumInstructionLength;
			state.line += header.lineBase + (adjusted % header.lineRange);
			emit(false);
			continue;
		}
		switch (opcode) {
			case 0: {
				const length = reader.uleb();
				const end = reader.offset + length;
				const sub = length > 0 ? reader.u8() : -1;
				if (sub === 1) {
					emit(true);
					state = fresh();
				} else if (sub === 2) {
					state.address = reader.unsigned(length - 1);
				}
				reader.offset = end; // skips define_file, set_discriminator and unknown extended opcodes
				break;
			}
			case 1: emit(false); break;
			case 2: state.address += reader.uleb() * header.minimumInstructionLength; break;
			case 3: state.line += reader.sleb(); break;
			case 4: state.file = reader.uleb(); break;
			case 5: state.column = reader.uleb(); break;
			case 6: state.isStatement = !state.isStatement; break;
			case 8: state.address += Math.floor((255 - header.opcodeBase) / header.lineRange) * header.minimumInstructionLength; break;
			case 9: state.address += reader.u16(); break;
			default:
				// basic_block, prologue_end, epilogue_begin, set_isa and opcodes newer than this reader: skip their operands.
				for (let i = 0; i < (header.standardOpcodeLengths[opcode - 1] ?? 0); i++) reader.uleb();
		}
	}
}
