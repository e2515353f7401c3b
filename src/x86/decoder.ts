// Decodes guest code with iced-x86 exactly once per block and copies each
// instruction into plain data (decoded-instruction.ts); the iced objects are
// freed immediately because they live in WASM memory.

import { Code, Decoder, DecoderError, FlowControl, Formatter, FormatterSyntax, Instruction, MemorySizeExt, Mnemonic, OpKind, Register } from 'iced-x86';
import { linear as toLinear, type LinearAddress } from './addresses';
import { CpuException, Vector } from './exceptions';
import { classOfCode } from './instruction-table';
import { Seg } from './registers';
import type { DecodedBlock, DecodedInstruction, FlowControlName, Operand, OperandSize } from './decoded-instruction';

/** Longest legal IA-32 instruction. */
const MAX_INSTRUCTION_BYTES = 15;
export const MAX_BLOCK_INSTRUCTIONS = 64;

let sharedFormatter: Formatter | undefined;
function formatter(): Formatter {
	if (!sharedFormatter) {
		sharedFormatter = new Formatter(FormatterSyntax.Nasm);
		sharedFormatter.hexPrefix = '0x';
		sharedFormatter.hexSuffix = '';
		sharedFormatter.spaceAfterOperandSeparator = true;
	}
	return sharedFormatter;
}

function generalRegister(r: Register): { reg: number; size: OperandSize } | undefined {
	if (r >= Register.AL && r <= Register.BH) return { reg: r - Register.AL, size: 8 };
	if (r >= Register.AX && r <= Register.DI) return { reg: r - Register.AX, size: 16 };
	if (r >= Register.EAX && r <= Register.EDI) return { reg: r - Register.EAX, size: 32 };
	return undefined;
}

function addressRegister(r: Register): number {
	if (r === Register.None) return -1;
	const g = generalRegister(r);
	return g && g.size !== 8 ? g.reg : -1;
}

function segmentOf(r: Register): Seg {
	return (r - Register.ES) as Seg;
}

function sizeOfImmediate(kind: OpKind): OperandSize {
	if (kind === OpKind.Immediate8 || kind === OpKind.Immediate8_2nd) return 8;
	if (kind === OpKind.Immediate16 || kind === OpKind.Immediate8to16) return 16;
	return 32;
}

function extractOperand(ins: Instruction, i: number, addressSize: 16 | 32): Operand {
	const kind = ins.opKind(i);
	switch (kind) {
		case OpKind.Register: {
			const r = ins.opRegister(i);
			const g = generalRegister(r);
			if (g) return { kind: 'reg', ...g };
			if (r >= Register.ES && r <= Register.GS) return { kind: 'sreg', seg: segmentOf(r) };
			if (r >= Register.CR0 && r <= Register.CR15) return { kind: 'cr', n: r - Register.CR0 };
			if (r >= Register.DR0 && r <= Register.DR15) return { kind: 'dr', n: r - Register.DR0 };
			return { kind: 'unsupported', what: Register[r] };
		}
		case OpKind.NearBranch16: return { kind: 'near', target: ins.nearBranch16 };
		case OpKind.NearBranch32: return { kind: 'near', target: ins.nearBranch32 };
		case OpKind.FarBranch16: return { kind: 'far', selector: ins.farBranchSelector, offset: ins.farBranch16 };
		case OpKind.FarBranch32: return { kind: 'far', selector: ins.farBranchSelector, offset: ins.farBranch32 };
		case OpKind.Immediate8: case OpKind.Immediate8_2nd: case OpKind.Immediate16: case OpKind.Immediate32:
		case OpKind.Immediate8to16: case OpKind.Immediate8to32: {
			const size = sizeOfImmediate(kind);
			const value = Number(BigInt.asUintN(size, ins.immediate(i)));
			return { kind: 'imm', value, size };
		}
		case OpKind.MemorySegSI: case OpKind.MemorySegESI: case OpKind.MemorySegDI: case OpKind.MemorySegEDI:
		case OpKind.MemoryESDI: case OpKind.MemoryESEDI:
			return { kind: 'string', seg: segmentOf(ins.memorySegment), size: (MemorySizeExt.size(ins.memorySize) * 8) as OperandSize };
		case OpKind.Memory:
			return {
				kind: 'mem',
				mem: {
					base: addressRegister(ins.memoryBase),
					index: addressRegister(ins.memoryIndex),
					scale: ins.memoryIndexScale,
					displacement: Number(BigInt.asUintN(32, ins.memoryDisplacement)),
					seg: segmentOf(ins.memorySegment),
					size: MemorySizeExt.size(ins.memorySize),
					addressSize,
				},
			};
		default:
			return { kind: 'unsupported', what: OpKind[kind] };
	}
}

const PREFIXES = new Set([0xf0, 0xf2, 0xf3, 0x2e, 0x36, 0x3e, 0x26, 0x64, 0x65, 0x66, 0x67]);

function hasPrefix(bytes: Uint8Array, prefix: number): boolean {
	for (const b of bytes) {
		if (!PREFIXES.has(b)) return false;
		if (b === prefix) return true;
	}
	return false;
}

/** Copies an iced instruction into plain data. Does not free it. */
function extract(ins: Instruction, bytes: Uint8Array, csBase: number): DecodedInstruction {
	const invalid = ins.isInvalid;
	const codeName = Code[ins.code];
	const addressSize = hasPrefix(bytes, 0x67) ? 16 : 32;
	const operands: Operand[] = [];
	if (!invalid) for (let i = 0; i < ins.opCount; i++) operands.push(extractOperand(ins, i, addressSize));
	const eip = ins.ip32;
	return {
		eip,
		linear: toLinear(csBase + eip),
		length: ins.length,
		bytes,
		nextEip: (eip + ins.length) >>> 0,
		code: ins.code,
		codeName,
		mnemonic: Mnemonic[ins.mnemonic].toLowerCase(),
		operands,
		rep: ins.hasRepPrefix,
		repne: ins.hasRepnePrefix,
		lock: ins.hasLockPrefix,
		segmentPrefix: ins.segmentPrefix === Register.None ? undefined : segmentOf(ins.segmentPrefix),
		operandSize: hasPrefix(bytes, 0x66) ? 16 : 32,
		addressSize,
		flowControl: FlowControl[ins.flowControl] as FlowControlName,
		condition: ins.conditionCode - 1,
		text: invalid ? '(bad)' : formatter().format(ins),
		class: classOfCode(codeName),
		invalid,
	};
}

/** Instructions after which the rest of a block could mean something else (CS, CPL, paging, IF, SS). */
const BLOCK_ENDERS = new Set([
	'lgdt', 'lidt', 'lldt', 'ltr', 'lmsw', 'clts', 'popf', 'popfd', 'cli', 'sti', 'hlt', 'wrmsr', 'invlpg',
	'lss', 'iret', 'iretd', 'retf', 'int', 'int3', 'into', 'ud2',
]);

function endsBlock(d: DecodedInstruction): boolean {
	if (d.invalid || d.flowControl !== 'Next' || BLOCK_ENDERS.has(d.mnemonic)) return true;
	if (d.mnemonic === 'mov' || d.mnemonic === 'pop') {
		const dst = d.operands[0];
		return dst !== undefined && (dst.kind === 'cr' || dst.kind === 'dr' || (dst.kind === 'sreg' && dst.seg === Seg.SS));
	}
	return false;
}

/**
 * Decodes up to `count` instructions from `bytes` (which start at offset `eip`
 * in a segment based at `csBase`). Stops early when the bytes run out.
 */
export function decodeInstructions(bytes: Uint8Array, eip: number, csBase: number, count: number): DecodedInstruction[] {
	const decoder = new Decoder(32, bytes, 0);
	decoder.ip = BigInt(eip >>> 0);
	const out: DecodedInstruction[] = [];
	try {
		while (out.length < count && decoder.canDecode) {
			const start = decoder.position;
			const ins = decoder.decode();
			try {
				if (decoder.lastError === DecoderError.NoMoreBytes) break;
				out.push(extract(ins, bytes.slice(start, start + ins.length), csBase));
			} finally {
				ins.free();
			}
		}
	} finally {
		decoder.free();
	}
	return out;
}

/** A page of guest code as the CPU fetches it. */
export interface CodePage {
	/** Bytes from the requested linear address to the end of its page. */
	bytes: Uint8Array;
	physicalPage: number;
}

/** How the decoder reads guest code. */
export interface CodeFetch {
	/** The page at `linear` as an instruction fetch reads it; throws CpuException (#PF) when not executable. */
	fetch(linear: LinearAddress): CodePage;
	/**
	 * The page at `linear` if reading it changes nothing: no accessed bit set, no fault raised,
	 * counted or resolved; undefined otherwise. For code that may never run.
	 */
	peek(linear: LinearAddress): CodePage | undefined;
}

export interface BlockDecodeOptions {
	maxInstructions: number;
	/** True when a block must end before this linear address (a stop address). */
	stopBefore?: (linear: number) => boolean;
	/**
	 * The block may never run (a region's successor): even its first instruction is only
	 * peeked at, and a CpuException says it could not be.
	 */
	speculative?: boolean;
}

/**
 * What a speculative block's first instruction gets when its bytes cannot be peeked at: the
 * fault a fetch might raise. Never delivered: nothing is executing that instruction.
 */
function unpeekable(linear: number): CpuException {
	return new CpuException(Vector.PF, 0, linear);
}

/**
 * Decodes one block starting at CS:eip. Only the instruction being executed now (the first of
 * a block that is not speculative) is fetched as the CPU fetches: a fault there is thrown. The
 * page after the first is read only when an instruction really runs into it, and for a later
 * instruction only peeked at: when it cannot be, the block ends before that instruction, whose
 * fetch then happens (and faults) when execution gets there, once.
 */
export function decodeBlock(code: CodeFetch, csBase: number, csLimit: number, eip: number, options: BlockDecodeOptions): DecodedBlock {
	const start = toLinear(csBase + eip);
	const first = options.speculative ? code.peek(start) : code.fetch(start);
	if (first === undefined) throw unpeekable(start);
	const firstPageBytes = first.bytes.length;
	/** Bytes from EIP up to the CS limit (which may end before the page does). */
	const inLimit = Math.max(0, csLimit - eip + 1);
	if (inLimit === 0) throw new CpuException(Vector.GP, 0);
	const onPage = Math.min(firstPageBytes, inLimit);
	const candidates = decodeInstructions(first.bytes.subarray(0, onPage), eip, csBase, options.maxInstructions);
	const instructions: DecodedInstruction[] = [];
	const pages = [first.physicalPage];
	let offset = 0;
	let ended = false;
	for (const d of candidates) {
		if (instructions.length > 0 && options.stopBefore?.(d.linear)) {
			ended = true;
			break;
		}
		instructions.push(d);
		offset += d.length;
		if (endsBlock(d) || offset >= firstPageBytes) {
			ended = true;
			break;
		}
	}
	// The bytes ran out before the block ended: the next instruction runs past the page or the CS limit.
	if (!ended && instructions.length < options.maxInstructions) {
		const executing = instructions.length === 0 && !options.speculative;
		const straddling = onPage === firstPageBytes && inLimit > firstPageBytes
			? decodeStraddling(code, first, start, offset, eip, csBase, inLimit, executing)
			: undefined;
		if (straddling === undefined || (instructions.length > 0 && options.stopBefore?.(straddling.instruction.linear))) {
			if (instructions.length === 0) throw options.speculative ? unpeekable(start) : new CpuException(Vector.GP, 0);
		} else {
			instructions.push(straddling.instruction);
			pages.push(straddling.secondPage);
		}
	}
	const last = instructions[instructions.length - 1];
	return { linear: start, eip, instructions, physicalPages: pages, endEip: last.nextEip };
}

/**
 * The instruction at `offset` in the block's first page that runs into the next page, or
 * undefined when the next page cannot be read (`fetched` false: only peeked at) or the
 * instruction runs past the CS limit. With `fetched`, a fault fetching the next page is thrown.
 */
function decodeStraddling(code: CodeFetch, first: CodePage, start: number, offset: number, eip: number, csBase: number, inLimit: number, fetched: boolean): { instruction: DecodedInstruction; secondPage: number } | undefined {
	const nextLinear = toLinear(start + first.bytes.length);
	const next = fetched ? code.fetch(nextLinear) : code.peek(nextLinear);
	if (next === undefined) return undefined;
	const head = first.bytes.subarray(offset);
	const tail = next.bytes.subarray(0, Math.min(MAX_INSTRUCTION_BYTES, next.bytes.length));
	const joined = new Uint8Array(head.length + tail.length);
	joined.set(head);
	joined.set(tail, head.length);
	const [instruction] = decodeInstructions(joined.subarray(0, inLimit - offset), (eip + offset) >>> 0, csBase, 1);
	return instruction === undefined ? undefined : { instruction, secondPage: next.physicalPage };
}
