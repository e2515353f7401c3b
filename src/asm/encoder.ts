// Picks the encoding form for an instruction and encodes it with iced-x86.
// NASM's choice (with its default -Ox) is the shortest form that fits, the
// first in opcode order on a tie; immediates and displacements that are
// addresses always take 32 bits, since in a flat binary they are only known
// once the sections are laid out. Branches are sized by the caller's passes.

import { Code, Encoder, Instruction, MemoryOperand, Register, RepPrefixKind } from 'iced-x86';
import { AsmError, Span } from './diagnostics';
import { Value } from './expression';
import { Form, formsFor } from './forms';
import { Address, JumpKind, SIZE_NAMES } from './operands';
import { registerInfo, RegisterInfo } from './registers';

export type ResolvedOperand =
	| { kind: 'reg'; reg: RegisterInfo; span: Span }
	| { kind: 'mem'; size?: number; far: boolean; segment?: RegisterInfo; address: Address; span: Span }
	| { kind: 'imm'; value: Value; size?: number; strict: boolean; jump?: JumpKind; span: Span }
	| { kind: 'far-ptr'; selector: Value; offset: Value; span: Span };

export interface EncodeRequest {
	mnemonic: string;
	written: string;
	operands: ResolvedOperand[];
	prefixes: string[];
	/** Absolute address of the instruction. */
	ip: number;
	/** Turns a value into its absolute number (section start + offset). */
	absolute(v: Value): number;
	/** Whether a branch target lies in the instruction's own section (so its distance is known). */
	sameSection(v: Value): boolean;
	/** Set once a branch was found not to fit in 8 bits: sizes only grow, so the passes converge. */
	forceNear: boolean;
	span: Span;
}

export interface Encoded {
	bytes: Uint8Array;
	/** True when a short branch did not fit and the near form was used. */
	grewNear: boolean;
}

/** Instructions that only read a 16-bit operand: NASM encodes `lldt ax` without an operand-size prefix. */
const READS_16_ONLY = new Set(['lldt', 'ltr', 'verr', 'verw', 'lmsw']);

const encoder = new Encoder(32);

export function encodeInstruction(req: EncodeRequest): Encoded {
	const { mnemonic, operands } = req;
	if ((mnemonic === 'aam' || mnemonic === 'aad') && operands.length === 0) {
		return encodeInstruction({ ...req, operands: [{ kind: 'imm', value: { n: 10, section: null, unknown: false }, strict: false, span: req.span }] });
	}
	if (mnemonic === 'xlatb' && operands.length === 0) {
		const implicit = new MemoryOperand(Register.EBX, Register.AL, 1, 0n, 0, false, Register.None);
		return { bytes: encodeBuilt(req, Instruction.createMem(formsFor('xlatb')[0].code, implicit)), grewNear: false };
	}
	if (mnemonic === 'imul' && operands.length === 2 && operands[1].kind === 'imm') {
		return encodeInstruction({ ...req, operands: [operands[0], operands[0], operands[1]] });
	}
	// The winner depends only on the operands' shapes, so it is remembered: one encoding per instruction.
	const key = signature(req);
	const known = winners.get(key);
	if (known) return { bytes: encodeForm(req, known.form, known.swapped ? [operands[1], operands[0]] : operands), grewNear: false };
	let candidates = matchingForms(req, operands);
	if ((mnemonic === 'xchg' || mnemonic === 'test') && operands.length === 2) {
		// Both are symmetric; NASM puts xchg's first register in the ModRM reg field, test's second.
		const swapped = matchingForms(req, [operands[1], operands[0]]);
		candidates = mnemonic === 'xchg' ? [...swapped, ...candidates] : [...candidates, ...swapped];
	}
	if (candidates.length === 0) throw noMatch(req);
	checkSizeAmbiguity(req, candidates.map((c) => c.form));
	const branch = candidates.filter((c) => c.form.kinds[0] === 'br32_1');
	if (branch.length > 0) return encodeBranch(req, candidates);
	let best: Uint8Array | undefined;
	let bestCandidate: Candidate | undefined;
	let bestSex = false;
	let firstError: unknown;
	for (const c of candidates) {
		try {
			const bytes = encodeForm(req, c.form, c.operands);
			// On a tie NASM prefers the sign-extended 8-bit immediate (or ax, 2 is 66 83 C8 02, not 66 0D 02 00).
			if (!best || bytes.length < best.length || (bytes.length === best.length && c.form.kinds.some((k) => k.startsWith('imm8sex')) && !bestSex)) {
				best = bytes;
				bestCandidate = c;
				bestSex = c.form.kinds.some((k) => k.startsWith('imm8sex'));
			}
		} catch (e) {
			firstError ??= e;
		}
	}
	if (!best || !bestCandidate) throw asAsmError(firstError, req);
	winners.set(key, { form: bestCandidate.form, swapped: bestCandidate.operands[0] !== req.operands[0] });
	return { bytes: best, grewNear: false };
}

const winners = new Map<string, { form: Form; swapped: boolean }>();

/** Everything the encoded length depends on, besides branch distances: the form's signature and the addressing shape. */
export function lengthKey(req: Pick<EncodeRequest, 'mnemonic' | 'operands' | 'prefixes'>): string {
	let key = signature(req) + req.prefixes.join();
	for (const op of req.operands) {
		if (op.kind !== 'mem') continue;
		const a = op.address;
		const d = a.displacement;
		const disp = d.unknown ? 'u' : d.section ? 'r' : d.n === 0 ? '0' : fitsSigned8(d.n) ? '8' : 'd';
		key += ` ${a.base?.name ?? ''}+${a.index?.name ?? ''}*${a.scale}+${disp}:${op.segment?.name ?? ''}`;
	}
	return key;
}

/** What decides the form: registers, memory size and kind, and the class of each immediate's value. */
function signature(req: Pick<EncodeRequest, 'mnemonic' | 'operands'>): string {
	let key = req.mnemonic;
	for (const op of req.operands) {
		switch (op.kind) {
			case 'reg': key += ` ${op.reg.name}`; break;
			case 'mem': key += ` m${op.size ?? 0}${op.far ? 'f' : ''}${op.address.absolute ? 'a' : ''}`; break;
			case 'far-ptr': key += ' p'; break;
			case 'imm': {
				const v = op.value;
				const cls = v.unknown ? 'u' : v.section ? 'r' : v.n === 1 ? '1' : fitsSigned8(v.n) ? 's8' : v.n >= 0 && v.n <= 255 ? 'u8'
					: fitsSigned8((v.n << 16) >> 16) && v.n >= -32768 && v.n <= 65535 ? 'w8' : v.n >= -32768 && v.n <= 65535 ? 'w' : 'd';
				key += ` i${cls}${op.size ?? ''}${op.strict ? 's' : ''}${op.jump ?? ''}`;
			}
		}
	}
	return key;
}

interface Candidate { form: Form; operands: ResolvedOperand[] }

function matchingForms(req: EncodeRequest, operands: ResolvedOperand[], anyImmediate = false): Candidate[] {
	return formsFor(req.mnemonic)
		.filter((f) => f.kinds.length === operands.length && f.kinds.every((k, i) => operandFits(k, f, operands[i], req.mnemonic, anyImmediate)))
		.map((form) => ({ form, operands }));
}

function encodeBranch(req: EncodeRequest, candidates: Candidate[]): Encoded {
	const target = candidates[0].operands[0];
	if (target.kind !== 'imm') throw new AsmError('expected a jump target', req.span);
	const short = candidates.find((c) => c.form.kinds[0] === 'br32_1');
	const near = target.jump === 'short' ? undefined : candidates.find((c) => c.form.kinds[0] === 'br32_4');
	// An unresolved target in an early pass: assume short, as NASM does; later passes decide.
	if (short && target.value.unknown && target.jump !== 'near' && !req.forceNear) return { bytes: new Uint8Array(2 + req.prefixes.length), grewNear: false };
	const tryShort = short && (!near || (target.jump !== 'near' && !req.forceNear && (target.value.unknown || req.sameSection(target.value))));
	if (!tryShort) return { bytes: encodeForm(req, near!.form, near!.operands), grewNear: false };
	try {
		return { bytes: encodeForm(req, short.form, short.operands), grewNear: false };
	} catch (e) {
		if (near) return { bytes: encodeForm(req, near.form, near.operands), grewNear: true };
		if (!req.sameSection(target.value)) throw asAsmError(e, req);
		const distance = req.absolute(target.value) - (req.ip + 2);
		const hint = target.jump === 'short' ? "; remove 'short'" : '';
		throw new AsmError(`short jump is out of range: the target is ${distance} bytes away (a short jump reaches -128..127)${hint}`, target.span);
	}
}

function fitsSigned8(n: number): boolean { return n >= -128 && n <= 127; }

function immediateFits(kind: string, op: Extract<ResolvedOperand, { kind: 'imm' }>): boolean {
	const v = op.value;
	if (op.jump) return false;
	const address = v.section !== null && !v.unknown;
	switch (kind) {
		case 'imm8':
			if (op.size !== undefined && op.size !== 1 && op.strict) return false;
			return v.unknown || (!address && v.n >= -128 && v.n <= 255);
		case 'imm16':
			if (op.size !== undefined && op.size !== 2 && op.strict) return false;
			return v.unknown || address || (v.n >= -32768 && v.n <= 65535);
		case 'imm32':
			return !(op.strict && op.size !== undefined && op.size !== 4) && op.size !== 1;
		case 'imm8sex16':
			if (op.strict && op.size !== 1) return false;
			return v.unknown || (!address && fitsSigned8((v.n << 16) >> 16));
		case 'imm8sex32':
			if (op.strict && op.size !== 1) return false;
			return v.unknown || (!address && fitsSigned8(v.n));
		case 'imm8_const_1':
			return !op.strict && !address && !v.unknown && v.n === 1;
	}
	return false;
}

const REGISTER_KINDS: Record<string, string> = {
	r8_reg: 'gpr8', r8_opcode: 'gpr8', r16_reg: 'gpr16', r16_opcode: 'gpr16', r16_rm: 'gpr16',
	r32_reg: 'gpr32', r32_opcode: 'gpr32', r32_rm: 'gpr32', seg_reg: 'sreg', cr_reg: 'cr', dr_reg: 'dr',
};
const OR_MEM_KINDS: Record<string, string> = { r8_or_mem: 'gpr8', r16_or_mem: 'gpr16', r32_or_mem: 'gpr32' };
const FIXED_REGISTERS = new Set(['al', 'cl', 'ax', 'dx', 'eax', 'es', 'cs', 'ss', 'ds', 'fs', 'gs']);

function operandFits(kind: string, form: Form, op: ResolvedOperand, mnemonic: string, anyImmediate: boolean): boolean {
	if (kind in REGISTER_KINDS) return op.kind === 'reg' && op.reg.cls === REGISTER_KINDS[kind];
	if (FIXED_REGISTERS.has(kind)) return op.kind === 'reg' && op.reg.name === kind;
	if (kind in OR_MEM_KINDS) {
		if (op.kind === 'reg') {
			if (op.reg.cls === OR_MEM_KINDS[kind]) return true;
			return form.memSize === 2 && kind === 'r32_or_mem' && op.reg.cls === 'gpr16' && (READS_16_ONLY.has(mnemonic) || (mnemonic === 'mov' && form.kinds[0] === 'seg_reg'));
		}
		return op.kind === 'mem' && !op.far && !form.far && (op.size === undefined || op.size === form.memSize);
	}
	switch (kind) {
		case 'mem':
			return op.kind === 'mem' && op.far === form.far;
		case 'mem_offs':
			return op.kind === 'mem' && op.address.absolute && !op.far && (op.size === undefined || op.size === form.memSize);
		case 'br32_1': case 'br32_4':
			return op.kind === 'imm' && op.jump !== 'far' && (op.size === undefined || op.size === 4);
		case 'farbr4_2':
			return op.kind === 'far-ptr';
	}
	return op.kind === 'imm' && (anyImmediate ? !op.jump && kind !== 'imm8_const_1' : immediateFits(kind, op));
}

function checkSizeAmbiguity(req: EncodeRequest, forms: Form[]): void {
	const mem = req.operands.find((o) => o.kind === 'mem');
	if (!mem || mem.kind !== 'mem' || mem.size !== undefined) return;
	const sizes = new Set(forms.filter((f) => f.kinds.some((k) => k in OR_MEM_KINDS || k === 'mem_offs')).map((f) => f.memSize));
	// jmp/call [mem] are near dword in 32-bit code, as in NASM.
	if (req.mnemonic === 'jmp' || req.mnemonic === 'call') return;
	if (sizes.size > 1) {
		const word = SIZE_NAMES[Math.max(...sizes)] ?? 'dword';
		throw new AsmError(`operand size not specified: write '${word} [...]' (one of ${[...sizes].sort().map((s) => SIZE_NAMES[s]).join(', ')})`, mem.span);
	}
}

function noMatch(req: EncodeRequest): AsmError {
	const forms = formsFor(req.mnemonic);
	const counts = new Set(forms.map((f) => f.kinds.length));
	if (!counts.has(req.operands.length)) {
		const list = [...counts].sort().join(' or ');
		return new AsmError(`'${req.written}' takes ${list} operand${list === '1' ? '' : 's'}, not ${req.operands.length}`, req.span);
	}
	// Would it match if the immediate were smaller? Then the value is the problem.
	const lenient = matchingForms(req, req.operands, true);
	const imm = req.operands.find((o): o is Extract<ResolvedOperand, { kind: 'imm' }> => o.kind === 'imm');
	if (lenient.length > 0 && imm) {
		const widest = lenient.flatMap((c) => c.form.kinds).find((k) => k === 'imm32') ?? lenient.flatMap((c) => c.form.kinds).find((k) => k === 'imm16') ?? 'imm8';
		const what = widest === 'imm16' ? 'a word' : widest === 'imm32' ? 'a dword' : 'a byte';
		const value = imm.value.section ? 'an address' : `value ${imm.value.n}`;
		return new AsmError(`${value} does not fit in ${what}${imm.strict || imm.size ? ' (check the size keyword)' : ''}`, imm.span);
	}
	const regs = req.operands.filter((o): o is Extract<ResolvedOperand, { kind: 'reg' }> => o.kind === 'reg' && o.reg.cls.startsWith('gpr'));
	if (regs.length >= 2 && new Set(regs.map((r) => r.reg.cls)).size > 1) {
		return new AsmError(`operand sizes do not match: '${regs[0].reg.name}' and '${regs[1].reg.name}'`, req.span);
	}
	const mem = req.operands.find((o) => o.kind === 'mem');
	const reg = regs[0];
	if (mem?.kind === 'mem' && mem.size !== undefined && reg && SIZE_NAMES[regSize(reg.reg)] !== SIZE_NAMES[mem.size]) {
		return new AsmError(`operand sizes do not match: ${SIZE_NAMES[mem.size]} memory and register '${reg.reg.name}'`, mem.span);
	}
	const describe = req.operands.map(describeOperand).join(', ');
	return new AsmError(`'${req.written}' cannot take operands (${describe})`, req.span);
}

function regSize(r: RegisterInfo): number {
	return r.cls === 'gpr8' ? 1 : r.cls === 'gpr16' || r.cls === 'sreg' ? 2 : 4;
}

function describeOperand(op: ResolvedOperand): string {
	switch (op.kind) {
		case 'reg': return op.reg.cls === 'gpr8' ? 'reg8' : op.reg.cls === 'gpr16' ? 'reg16' : op.reg.cls === 'gpr32' ? 'reg32' : op.reg.name;
		case 'mem': return op.size ? `${SIZE_NAMES[op.size]} memory` : 'memory';
		case 'imm': return 'immediate';
		case 'far-ptr': return 'far pointer';
	}
}

function asAsmError(e: unknown, req: EncodeRequest): AsmError {
	if (e instanceof AsmError) return e;
	const message = e instanceof Error ? e.message : String(e);
	return new AsmError(`cannot encode '${req.written}': ${message.replace(/\s*\(.*\)$/, '')}`, req.span);
}

/** Builds the iced-x86 instruction for one form and encodes it. */
function encodeForm(req: EncodeRequest, form: Form, operands: ResolvedOperand[]): Uint8Array {
	return encodeBuilt(req, buildInstruction(req, form, operands));
}

function encodeBuilt(req: EncodeRequest, instruction: Instruction): Uint8Array {
	try {
		if (req.prefixes.includes('lock')) instruction.hasLockPrefix = true;
		if (req.prefixes.some((p) => p === 'rep' || p === 'repe' || p === 'repz')) instruction.hasRepePrefix = true;
		if (req.prefixes.some((p) => p === 'repne' || p === 'repnz')) instruction.hasRepnePrefix = true;
		encoder.encode(instruction, BigInt(req.ip >>> 0));
		return nasmPrefixOrder(encoder.takeBuffer());
	} finally {
		instruction.free();
	}
}

type Argument = { type: 'Reg'; value: Register } | { type: 'Mem'; value: MemoryOperand } | { type: 'U32' | 'I32'; value: number };

function buildInstruction(req: EncodeRequest, form: Form, operands: ResolvedOperand[]): Instruction {
	const first = operands[0];
	if (form.kinds[0] === 'br32_1' || form.kinds[0] === 'br32_4') {
		if (first.kind !== 'imm') throw new AsmError('expected a jump target', req.span);
		return Instruction.createBranch(form.code, BigInt(req.absolute(first.value) >>> 0));
	}
	if (form.kinds[0] === 'farbr4_2') {
		if (first.kind !== 'far-ptr') throw new AsmError('expected selector:offset', req.span);
		const selector = req.absolute(first.selector);
		if (selector < 0 || selector > 0xffff) throw new AsmError(`selector ${selector} does not fit in 16 bits`, first.span);
		return Instruction.createFarBranch(form.code, selector, req.absolute(first.offset) >>> 0);
	}
	const args: Argument[] = operands.map((op, i) => argument(req, form.kinds[i], op));
	const name = `create${args.map((a) => a.type).join('')}`;
	// iced-x86 offers one constructor per operand pattern (createRegMem, createMemU32...); it takes ownership of memory operands.
	const create = (Instruction as unknown as Record<string, (code: Code, ...rest: unknown[]) => Instruction>)[name];
	if (!create) {
		for (const a of args) if (a.type === 'Mem') a.value.free();
		throw new AsmError(`'${req.written}' with these operands is not supported`, req.span);
	}
	return create.call(Instruction, form.code, ...args.map((a) => a.value));
}

function argument(req: EncodeRequest, kind: string, op: ResolvedOperand): Argument {
	switch (op.kind) {
		case 'reg': {
			const widen = kind === 'r32_or_mem' && op.reg.cls === 'gpr16';
			return { type: 'Reg', value: widen ? registerInfo('e' + op.reg.name)!.iced : op.reg.iced };
		}
		case 'mem': return { type: 'Mem', value: memoryOperand(req, op, kind === 'mem_offs') };
		case 'imm': {
			const n = req.absolute(op.value);
			if (kind === 'imm8sex16' || kind === 'imm8sex32') return { type: 'I32', value: (n << 24) >> 24 };
			if (kind === 'imm8' || kind === 'imm8_const_1') return { type: 'U32', value: n & 0xff };
			if (kind === 'imm16') return { type: 'U32', value: n & 0xffff };
			return { type: 'U32', value: n >>> 0 };
		}
		case 'far-ptr':
			throw new AsmError(`a far pointer cannot be an operand of '${req.written}'`, op.span);
	}
}

function memoryOperand(req: EncodeRequest, op: Extract<ResolvedOperand, { kind: 'mem' }>, moffs: boolean): MemoryOperand {
	const a = op.address;
	const d = a.displacement;
	const n = req.absolute(d);
	let displSize: number;
	if (a.absolute || moffs || (d.section && !d.unknown)) displSize = 4;
	else if (d.unknown) displSize = 1;
	else if (n === 0) displSize = 0;
	else displSize = fitsSigned8(n) ? 1 : 4;
	const base = a.base?.iced ?? Register.None;
	const index = a.index?.iced ?? Register.None;
	// iced-x86 wants a plain address (no registers) as an unsigned 32-bit number.
	const displacement = d.unknown && displSize === 1 ? 0n : BigInt(a.absolute ? n >>> 0 : n | 0);
	return new MemoryOperand(base, index, a.scale, displacement, displSize, false, op.segment?.iced ?? Register.None);
}

type StringCreator = (rep: RepPrefixKind, segment: Register) => Instruction;

const STRING_CREATORS: Record<string, StringCreator> = {
	movsb: (r, s) => Instruction.createMovsb(32, s, r), movsw: (r, s) => Instruction.createMovsw(32, s, r), movsd: (r, s) => Instruction.createMovsd(32, s, r),
	cmpsb: (r, s) => Instruction.createCmpsb(32, s, r), cmpsw: (r, s) => Instruction.createCmpsw(32, s, r), cmpsd: (r, s) => Instruction.createCmpsd(32, s, r),
	lodsb: (r, s) => Instruction.createLodsb(32, s, r), lodsw: (r, s) => Instruction.createLodsw(32, s, r), lodsd: (r, s) => Instruction.createLodsd(32, s, r),
	outsb: (r, s) => Instruction.createOutsb(32, s, r), outsw: (r, s) => Instruction.createOutsw(32, s, r), outsd: (r, s) => Instruction.createOutsd(32, s, r),
	stosb: (r) => Instruction.createStosb(32, r), stosw: (r) => Instruction.createStosw(32, r), stosd: (r) => Instruction.createStosd(32, r),
	scasb: (r) => Instruction.createScasb(32, r), scasw: (r) => Instruction.createScasw(32, r), scasd: (r) => Instruction.createScasd(32, r),
	insb: (r) => Instruction.createInsb(32, r), insw: (r) => Instruction.createInsw(32, r), insd: (r) => Instruction.createInsd(32, r),
};

export function encodeStringInstruction(mnemonic: string, prefixes: string[], operandCount: number, span: Span): Uint8Array {
	if (operandCount > 0) throw new AsmError(`'${mnemonic}' takes no operands in this assembler`, span);
	const rep = prefixes.some((p) => p === 'repne' || p === 'repnz') ? RepPrefixKind.Repne : prefixes.some((p) => p.startsWith('rep')) ? RepPrefixKind.Repe : RepPrefixKind.None;
	const instruction = STRING_CREATORS[mnemonic](rep, Register.None);
	try {
		if (prefixes.includes('lock')) instruction.hasLockPrefix = true;
		encoder.encode(instruction, 0n);
		return nasmPrefixOrder(encoder.takeBuffer());
	} finally {
		instruction.free();
	}
}

/** NASM's prefix order: lock/rep, then segment, then operand size, then address size. */
const PREFIX_RANK = new Map([[0xf0, 0], [0xf2, 0], [0xf3, 0], [0x26, 1], [0x2e, 1], [0x36, 1], [0x3e, 1], [0x64, 1], [0x65, 1], [0x66, 2], [0x67, 3]]);

function nasmPrefixOrder(bytes: Uint8Array): Uint8Array {
	let n = 0;
	while (n < bytes.length - 1 && PREFIX_RANK.has(bytes[n])) n++;
	if (n < 2) return bytes;
	const sorted = [...bytes.subarray(0, n)].sort((a, b) => PREFIX_RANK.get(a)! - PREFIX_RANK.get(b)!);
	bytes.set(sorted);
	return bytes;
}
