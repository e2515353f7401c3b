// The encoding forms of each supported mnemonic, read once from iced-x86's
// opcode tables: for every legacy 32-bit encoding, its operand kinds and memory
// size. The encoder picks among them the way NASM does (the shortest encoding,
// the first in opcode order on a tie).

import { Code, CodeExt, EncodingKind, MemorySize, MemorySizeExt, Mnemonic, OpCodeOperandKind } from 'iced-x86';
import { TABLE_ICED_MNEMONICS } from './mnemonics';

export interface Form {
	code: Code;
	name: string;
	kinds: string[];
	/** Bytes of the memory operand, 0 when any memory operand will do (lea, lgdt, invlpg...). */
	memSize: number;
	/** Far forms (ptr16:32, m16:32 of jmp/call) need the `far` keyword or a selector:offset operand. */
	far: boolean;
	/** Encoded with an operand-size prefix in 32-bit code. */
	sixteen: boolean;
}

const HANDLED_KINDS = new Set([
	'r8_or_mem', 'r8_reg', 'r8_opcode', 'r16_or_mem', 'r16_reg', 'r16_opcode', 'r16_rm', 'r32_or_mem', 'r32_reg', 'r32_opcode', 'r32_rm',
	'al', 'cl', 'ax', 'dx', 'eax', 'es', 'cs', 'ss', 'ds', 'fs', 'gs', 'seg_reg', 'cr_reg', 'dr_reg',
	'imm8', 'imm16', 'imm32', 'imm8sex16', 'imm8sex32', 'imm8_const_1', 'mem', 'mem_offs', 'br32_1', 'br32_4', 'farbr4_2', 'seg_rBX_al',
]);
const SIXTEEN_BIT_KINDS = new Set(['r16_or_mem', 'r16_reg', 'r16_opcode', 'r16_rm', 'ax']);

let table: Map<string, Form[]> | undefined;

/** Forms by lower-case iced-x86 mnemonic, in opcode order. */
export function formsFor(mnemonic: string): readonly Form[] {
	table ??= buildTable();
	return table.get(mnemonic) ?? [];
}

function buildTable(): Map<string, Form[]> {
	const forms = new Map<string, Form[]>();
	for (const name of Object.keys(Code)) {
		const code = Code[name as keyof typeof Code];
		if (typeof code !== 'number') continue;
		const info = CodeExt.opCode(code);
		try {
			if (info.encoding !== EncodingKind.Legacy || !info.mode32 || !info.isInstruction || info.decoderOption !== 0) continue;
			const mnemonic = Mnemonic[info.mnemonic].toLowerCase();
			if (!TABLE_ICED_MNEMONICS.has(mnemonic) || info.addressSize === 16) continue;
			const kinds: string[] = [];
			for (let i = 0; i < info.opCount; i++) kinds.push(OpCodeOperandKind[info.opKind(i)]);
			if (!kinds.every((k) => HANDLED_KINDS.has(k))) continue;
			const memorySize = info.memorySize;
			const far = memorySize === MemorySize.SegPtr32 && (mnemonic === 'jmp' || mnemonic === 'call') || kinds.includes('farbr4_2');
			const fixedSize = memorySize === MemorySize.Unknown || memorySize === MemorySize.SegPtr32 || memorySize === MemorySize.Fword6 || kinds.includes('mem') ? 0 : MemorySizeExt.size(memorySize);
			const list = forms.get(mnemonic) ?? [];
			list.push({ code, name, kinds, memSize: fixedSize, far, sixteen: info.operandSize === 16 });
			forms.set(mnemonic, list);
		} finally {
			info.free();
		}
	}
	// A 16-bit operand-size form is only chosen when an operand says so (add ax, bx), never in place of
	// a 32-bit form (push 5, ret, enter); cbw and cwd have no 32-bit form at all.
	for (const [mnemonic, list] of forms) {
		const keep = (f: Form) => !f.sixteen || f.kinds.some((k) => SIXTEEN_BIT_KINDS.has(k)) || !list.some((o) => !o.sixteen && o.kinds.length === f.kinds.length);
		forms.set(mnemonic, list.filter(keep));
	}
	return forms;
}
