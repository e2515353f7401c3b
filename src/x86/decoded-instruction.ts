// One decoded guest instruction as plain data. iced-x86 objects live in WASM
// memory, so everything the CPU, the monitor and the debugger need is copied
// out here once and the iced object is freed.

import type { LinearAddress } from './addresses';
import type { InstructionClass } from './instruction-table';
import type { Seg } from './registers';

export type OperandSize = 8 | 16 | 32;

export interface MemoryOperand {
	/** General register index (`Reg`) of the base, or -1. */
	base: number;
	/** General register index of the index, or -1. */
	index: number;
	scale: number;
	/** Displacement as an unsigned 32-bit value (wraps like the hardware adder). */
	displacement: number;
	/** Effective segment: the override prefix when present, else DS or SS by the base register. */
	seg: Seg;
	/** Size of the accessed data in bytes (6 for far pointers and pseudo-descriptors, 8 for cmpxchg8b). */
	size: number;
	addressSize: 16 | 32;
}

export type Operand =
	/** `reg` follows ModRM numbering; for size 8, 0..7 are AL CL DL BL AH CH DH BH. */
	| { kind: 'reg'; reg: number; size: OperandSize }
	| { kind: 'sreg'; seg: Seg }
	| { kind: 'cr'; n: number }
	| { kind: 'dr'; n: number }
	/** `value` is the immediate as encoded and extended by the instruction, as an unsigned 32-bit number. */
	| { kind: 'imm'; value: number; size: OperandSize }
	| { kind: 'mem'; mem: MemoryOperand }
	/** A near branch target as an offset in CS. */
	| { kind: 'near'; target: number }
	| { kind: 'far'; selector: number; offset: number }
	/** The implicit DS:ESI / ES:EDI operand of a string instruction. */
	| { kind: 'string'; seg: Seg; size: OperandSize }
	/** Registers and operand kinds this CPU does not model (x87, MMX, SSE): the instruction raises #UD. */
	| { kind: 'unsupported'; what: string };

export type FlowControlName = 'Next' | 'UnconditionalBranch' | 'IndirectBranch' | 'ConditionalBranch' | 'Return' | 'Call' | 'IndirectCall' | 'Interrupt' | 'XbeginXabortXend' | 'Exception';

export interface DecodedInstruction {
	/** Offset in CS. */
	eip: number;
	linear: LinearAddress;
	length: number;
	bytes: Uint8Array;
	/** EIP of the following instruction. */
	nextEip: number;
	/** iced-x86 `Code` value and its name (the instruction table's key). */
	code: number;
	codeName: string;
	/** Lower-case iced mnemonic name ("add", "movsd", "iretd"). */
	mnemonic: string;
	operands: Operand[];
	rep: boolean;
	repne: boolean;
	lock: boolean;
	/** Segment override prefix, if any. */
	segmentPrefix: Seg | undefined;
	operandSize: 16 | 32;
	addressSize: 16 | 32;
	flowControl: FlowControlName;
	/** x86 condition number 0..15 (O NO B AE E NE BE A S NS P NP L GE LE G) for jcc/setcc/cmovcc, else -1. */
	condition: number;
	/** NASM syntax. */
	text: string;
	class: InstructionClass;
	/** Undecodable bytes: executing this raises #UD. */
	invalid: boolean;
}

/** A straight-line run of instructions decoded from one linear address. */
export interface DecodedBlock {
	linear: LinearAddress;
	eip: number;
	instructions: DecodedInstruction[];
	/** Physical page numbers the code bytes came from. */
	physicalPages: number[];
	/** EIP after the last instruction when execution falls through. */
	endEip: number;
}
