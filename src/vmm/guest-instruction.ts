// The one guest instruction the monitor must emulate, decoded from guest
// memory into plain data (iced-x86 objects live in WASM memory and are freed
// at once). Operands are kept in a form the emulator evaluates itself.

import { Code, Decoder, DecoderOptions, Formatter, FormatterSyntax, OpKind, Register } from 'iced-x86';
import { linear, type LinearAddress } from '../x86/addresses';
import { CpuException, Vector } from '../x86/exceptions';
import { Seg } from '../x86/registers';
import type { SystemCpu } from '../x86/system/system-cpu';

export type Operand =
	| { kind: 'reg'; reg: number; size: 1 | 2 | 4 }
	| { kind: 'sreg'; seg: Seg }
	| { kind: 'cr'; index: number }
	| { kind: 'dr'; index: number }
	| { kind: 'imm'; value: number }
	| { kind: 'mem'; seg: Seg; base?: number; index?: number; scale: number; displacement: number }
	| { kind: 'far'; selector: number; offset: number }
	| { kind: 'other' };

export interface GuestInstruction {
	/** iced-x86 Code name: the key of the instruction table. */
	code: string;
	length: number;
	/** NASM syntax. */
	text: string;
	operands: Operand[];
	rep: boolean;
	/** 2 or 4: the operand size for string and stack forms. */
	operandSize: 2 | 4;
}

const MAX_INSTRUCTION_BYTES = 15;
/** Encodings with a 16-bit operand size (an operand-size prefix in 32-bit code). */
const SIXTEEN_BIT_FORM = /^(Iretw|Pushfw|Popfw|Pushw_|Popw_|Retfw)|_16$/;
/** Formatted as the CPU's decoder formats (src/x86/decoder.ts), so events and listings read alike. */
const formatter = new Formatter(FormatterSyntax.Nasm);
formatter.hexPrefix = '0x';
formatter.hexSuffix = '';
formatter.spaceAfterOperandSeparator = true;

const GPR32 = [Register.EAX, Register.ECX, Register.EDX, Register.EBX, Register.ESP, Register.EBP, Register.ESI, Register.EDI];
const GPR16 = [Register.AX, Register.CX, Register.DX, Register.BX, Register.SP, Register.BP, Register.SI, Register.DI];
const GPR8 = [Register.AL, Register.CL, Register.DL, Register.BL, Register.AH, Register.CH, Register.DH, Register.BH];
const SREG = [Register.ES, Register.CS, Register.SS, Register.DS, Register.FS, Register.GS];
const CR = [Register.CR0, Register.CR1, Register.CR2, Register.CR3, Register.CR4];
const DR = [Register.DR0, Register.DR1, Register.DR2, Register.DR3, Register.DR4, Register.DR5, Register.DR6, Register.DR7];

/** Reads the instruction bytes at a linear address as the supervisor would fetch them; a fetch fault is the guest's. */
export function fetchInstructionBytes(cpu: SystemCpu, address: LinearAddress): Uint8Array {
	const bytes: number[] = [];
	for (let i = 0; i < MAX_INSTRUCTION_BYTES; i++) {
		try {
			bytes.push(cpu.readLinear8(linear(address + i), false));
		} catch (e) {
			// A fault on the first byte is the guest's; later bytes may legitimately lie past a page the instruction does not reach.
			if (i === 0 || !(e instanceof CpuException)) throw e;
			break;
		}
	}
	return Uint8Array.from(bytes);
}

export function decodeGuestInstruction(bytes: Uint8Array, eip: number): GuestInstruction {
	const decoder = new Decoder(32, bytes, DecoderOptions.None);
	decoder.ip = BigInt(eip >>> 0);
	const ins = decoder.decode();
	try {
		if (ins.code === Code.INVALID) throw new CpuException(Vector.UD);
		const operands: Operand[] = [];
		for (let i = 0; i < ins.opCount; i++) operands.push(operandOf(ins, i));
		return {
			code: Code[ins.code],
			length: ins.length,
			text: formatter.format(ins),
			operands,
			rep: ins.hasRepPrefix || ins.hasRepePrefix,
			operandSize: SIXTEEN_BIT_FORM.test(Code[ins.code]) ? 2 : 4,
		};
	} finally {
		ins.free();
	}
}

type IcedInstruction = ReturnType<Decoder['decode']>;

function operandOf(ins: IcedInstruction, i: number): Operand {
	switch (ins.opKind(i)) {
		case OpKind.Register: return registerOperand(ins.opRegister(i));
		case OpKind.Immediate8: case OpKind.Immediate16: case OpKind.Immediate32:
		case OpKind.Immediate8to16: case OpKind.Immediate8to32:
			return { kind: 'imm', value: Number(ins.immediate(i) & 0xffffffffn) };
		case OpKind.FarBranch32: case OpKind.FarBranch16:
			return { kind: 'far', selector: ins.farBranchSelector, offset: ins.opKind(i) === OpKind.FarBranch32 ? ins.farBranch32 : ins.farBranch16 };
		case OpKind.Memory:
			return {
				kind: 'mem',
				seg: SREG.indexOf(ins.memorySegment) as Seg,
				base: ins.memoryBase === Register.None ? undefined : GPR32.indexOf(ins.memoryBase),
				index: ins.memoryIndex === Register.None ? undefined : GPR32.indexOf(ins.memoryIndex),
				scale: ins.memoryIndexScale,
				displacement: Number(ins.memoryDisplacement & 0xffffffffn),
			};
		default: return { kind: 'other' };
	}
}

function registerOperand(r: Register): Operand {
	let n = GPR32.indexOf(r);
	if (n >= 0) return { kind: 'reg', reg: n, size: 4 };
	if ((n = GPR16.indexOf(r)) >= 0) return { kind: 'reg', reg: n, size: 2 };
	if ((n = GPR8.indexOf(r)) >= 0) return { kind: 'reg', reg: n, size: 1 };
	if ((n = SREG.indexOf(r)) >= 0) return { kind: 'sreg', seg: n as Seg };
	if ((n = CR.indexOf(r)) >= 0) return { kind: 'cr', index: n };
	if ((n = DR.indexOf(r)) >= 0) return { kind: 'dr', index: n };
	return { kind: 'other' };
}

/** The linear address of a memory operand (32-bit addressing; limit checks are left to the page walk). */
export function effectiveAddress(cpu: SystemCpu, op: Extract<Operand, { kind: 'mem' }>): LinearAddress {
	let offset = op.displacement;
	if (op.base !== undefined) offset += cpu.regs[op.base];
	if (op.index !== undefined) offset += cpu.regs[op.index] * op.scale;
	return linear(cpu.seg[op.seg].base + (offset >>> 0));
}

/** Reads a register or memory operand of the given size. */
export function readOperand(cpu: SystemCpu, op: Operand, size: 1 | 2 | 4): number {
	switch (op.kind) {
		case 'reg': {
			if (op.size === 1) return op.reg < 4 ? cpu.regs[op.reg] & 0xff : (cpu.regs[op.reg - 4] >>> 8) & 0xff;
			return op.size === 2 ? cpu.regs[op.reg] & 0xffff : cpu.regs[op.reg] >>> 0;
		}
		case 'imm': return op.value;
		case 'sreg': return cpu.seg[op.seg].selector;
		case 'mem': {
			const at = effectiveAddress(cpu, op);
			return size === 1 ? cpu.readLinear8(at, false) : size === 2 ? cpu.readLinear16(at, false) : cpu.readLinear32(at, false) >>> 0;
		}
		default: throw new CpuException(Vector.UD);
	}
}

export function writeOperand(cpu: SystemCpu, op: Operand, value: number): void {
	switch (op.kind) {
		case 'reg':
			if (op.size === 4) cpu.regs[op.reg] = value;
			else if (op.size === 2) cpu.regs[op.reg] = (cpu.regs[op.reg] & ~0xffff) | (value & 0xffff);
			else if (op.reg < 4) cpu.regs[op.reg] = (cpu.regs[op.reg] & ~0xff) | (value & 0xff);
			else cpu.regs[op.reg - 4] = (cpu.regs[op.reg - 4] & ~0xff00) | ((value & 0xff) << 8);
			return;
		case 'mem': {
			const at = effectiveAddress(cpu, op);
			// A register destination of SMSW/SLDT/STR is 32 bits; a memory one is always 16.
			cpu.writeLinear16(at, value, false);
			return;
		}
		default: throw new CpuException(Vector.UD);
	}
}
