// Disassembly for the debugger's view, through the same decoder the CPU uses.

import { decodeInstructions } from './decoder';

export interface DisassembledInstruction {
	address: number;
	length: number;
	bytes: Uint8Array;
	/** NASM syntax; "(bad)" for undecodable bytes. */
	text: string;
}

/** Up to `count` instructions from `bytes`, which start at `address` (a flat offset). */
export function disassemble(bytes: Uint8Array, address: number, count: number): DisassembledInstruction[] {
	return decodeInstructions(bytes, address, 0, count).map((d) => ({ address: d.eip, length: d.length, bytes: d.bytes, text: d.text }));
}
