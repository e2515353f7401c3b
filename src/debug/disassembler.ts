// Guest code shown to a user: iced-x86 decodes bytes read from guest memory
// into plain records (iced Instructions live in WASM memory and are freed at
// once), formatted in NASM syntax like the assembler's input.

import { Code, Decoder, DecoderOptions, Formatter, FormatterSyntax } from 'iced-x86';
import { classOfCode, type InstructionClass } from '../x86/instruction-table';

export interface DisassembledInstruction {
	address: number;
	bytes: Uint8Array;
	text: string;
	codeName: string;
	instructionClass: InstructionClass;
	invalid: boolean;
}

let formatter: Formatter | undefined;

function nasmFormatter(): Formatter {
	if (!formatter) {
		formatter = new Formatter(FormatterSyntax.Nasm);
		formatter.hexPrefix = '0x';
		formatter.hexSuffix = '';
		formatter.spaceAfterOperandSeparator = true;
		formatter.uppercaseHex = false;
	}
	return formatter;
}

/** Decodes up to `count` instructions from `bytes`, which start at linear `address`. */
export function disassemble(bytes: Uint8Array, address: number, count: number): DisassembledInstruction[] {
	const decoder = new Decoder(32, bytes, DecoderOptions.None);
	decoder.ip = BigInt(address >>> 0);
	const out: DisassembledInstruction[] = [];
	try {
		let offset = 0;
		while (out.length < count && decoder.canDecode) {
			const ins = decoder.decode();
			try {
				const length = ins.length;
				const codeName = Code[ins.code] ?? 'INVALID';
				out.push({
					address: (address + offset) >>> 0,
					bytes: bytes.slice(offset, offset + length),
					text: ins.isInvalid ? `db ${[...bytes.subarray(offset, offset + length)].map((b) => `0x${b.toString(16).padStart(2, '0')}`).join(', ')}` : nasmFormatter().format(ins),
					codeName,
					instructionClass: ins.isInvalid ? 'innocuous' : classOfCode(codeName),
					invalid: ins.isInvalid,
				});
				offset += length;
			} finally {
				ins.free();
			}
		}
	} finally {
		decoder.free();
	}
	return out;
}

export function hexBytes(bytes: Uint8Array): string {
	return [...bytes].map((b) => b.toString(16).padStart(2, '0')).join(' ');
}
