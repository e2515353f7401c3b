// Seeded generation of random integer-ISA test sequences as NASM text. Every
// unit keeps its operands inside the scratch buffer and its divisions from
// faulting; flag readers only run when the flags they read are defined.

import { Prng } from './prng';
import {
	AAA_AAS, AAM_AAD, ARITH, ARITHMETIC, BIT_SCAN, BIT_TEST, CF, DAA_DAS, DIVIDE, LAHF, LOGIC, MULTIPLY, NO_FLAGS, POPF, PUSHF, SAHF, STEP,
	analyse, conditionReads, effect, shiftEffect, type FlagEffect, type ShiftKind,
} from './flag-rules';
import { SCRATCH_BYTES, type Sequence, type Unit } from './sequence';

type Size = 8 | 16 | 32;

const R32 = ['eax', 'ecx', 'edx', 'ebx', 'esp', 'ebp', 'esi', 'edi'];
const R16 = ['ax', 'cx', 'dx', 'bx', 'sp', 'bp', 'si', 'di'];
const R8 = ['al', 'cl', 'dl', 'bl', 'ah', 'ch', 'dh', 'bh'];
/** Registers a sequence may change: all but ESP, which the stack instructions own. */
const FREE = [0, 1, 2, 3, 5, 6, 7];
const CONDITIONS = ['o', 'no', 'b', 'ae', 'e', 'ne', 'be', 'a', 's', 'ns', 'p', 'np', 'l', 'ge', 'le', 'g'];
const PTR: Record<Size, string> = { 8: 'byte', 16: 'word', 32: 'dword' };
const TF = 0x100, IF = 0x200, RESERVED_ONE = 0x2;

const hex = (v: number): string => `0x${(v >>> 0).toString(16)}`;
const maskTo = (v: number, size: Size): number => (size === 32 ? v >>> 0 : v & ((1 << size) - 1));
const plus = (n: number): string => (n < 0 ? ` - ${-n}` : ` + ${n}`);
const unit = (lines: string[], ...flags: FlagEffect[]): Unit => ({ lines, flags });

interface Operand {
	setup: string[];
	text: string;
}

class UnitGenerator {
	constructor(private readonly rng: Prng) {}

	size(): Size {
		return this.rng.pick([8, 16, 32] as const);
	}

	regIndex(size: Size): number {
		return size === 8 ? this.rng.int(0, 7) : this.rng.pick(FREE);
	}

	reg(size: Size, index = this.regIndex(size)): string {
		return (size === 8 ? R8 : size === 16 ? R16 : R32)[index];
	}

	imm(size: Size): string {
		return hex(maskTo(this.rng.interesting(), size));
	}

	/**
	 * A memory operand of `size` bits inside the scratch buffer, in one of the
	 * addressing forms; address registers are never from `avoid` (registers the
	 * unit loads after the address).
	 */
	mem(size: Size, avoid: readonly number[] = []): Operand {
		const at = this.rng.int(0, SCRATCH_BYTES - size / 8);
		const ptr = PTR[size];
		const usable = FREE.filter((r) => !avoid.includes(r));
		switch (this.rng.int(0, 3)) {
			case 0: return { setup: [], text: `${ptr} [scratch + ${at}]` };
			case 1: {
				const base = R32[this.rng.pick(usable)];
				const value = this.rng.int(-64, 64);
				return { setup: [`mov ${base}, ${value}`], text: `${ptr} [${base} + scratch${plus(at - value)}]` };
			}
			case 2: {
				const index = R32[this.rng.pick(usable)];
				const scale = this.rng.pick([1, 2, 4, 8]);
				const value = this.rng.int(0, Math.floor(at / scale));
				return { setup: [`mov ${index}, ${value}`], text: `${ptr} [${index}*${scale} + scratch${plus(at - value * scale)}]` };
			}
			default: {
				const base = R32[this.rng.pick(usable)];
				const index = this.rng.pick(usable.filter((r) => R32[r] !== base).map((r) => R32[r]));
				const scale = this.rng.pick([1, 2, 4, 8]);
				const value = this.rng.int(0, 8);
				const disp = this.rng.int(-16, 16);
				return {
					setup: [`mov ${base}, scratch${plus(at - value * scale - disp)}`, `mov ${index}, ${value}`],
					text: `${ptr} [${base} + ${index}*${scale}${plus(disp)}]`,
				};
			}
		}
	}

	/** A register or memory operand. */
	rm(size: Size, avoid: readonly number[] = []): Operand {
		return this.rng.chance(0.6) ? { setup: [], text: this.reg(size) } : this.mem(size, avoid);
	}

	alu(plain = false): Unit {
		const op = this.rng.pick(plain ? ['add', 'sub', 'and', 'or', 'xor', 'cmp', 'test'] : ['add', 'adc', 'sub', 'sbb', 'and', 'or', 'xor', 'cmp', 'test']);
		const flags = op === 'adc' || op === 'sbb' ? effect(CF, ARITH) : ['and', 'or', 'xor', 'test'].includes(op) ? LOGIC : ARITHMETIC;
		const size = this.size();
		const form = this.rng.int(0, 4);
		if (form === 0) return unit([`${op} ${this.reg(size)}, ${this.reg(size)}`], flags);
		if (form === 1) return unit([`${op} ${this.reg(size)}, ${this.imm(size)}`], flags);
		const m = this.mem(size);
		if (form === 2 && op !== 'test') return unit([...m.setup, `${op} ${this.reg(size)}, ${m.text}`], flags);
		if (form === 3) return unit([...m.setup, `${op} ${m.text}, ${this.imm(size)}`], flags);
		return unit([...m.setup, `${op} ${m.text}, ${this.reg(size)}`], flags);
	}

	unary(): Unit {
		const op = this.rng.pick(['inc', 'dec', 'neg', 'not']);
		const m = this.rm(this.size());
		return unit([...m.setup, `${op} ${m.text}`], op === 'neg' ? ARITHMETIC : op === 'not' ? NO_FLAGS : STEP);
	}

	multiply(): Unit {
		const form = this.rng.int(0, 2);
		if (form === 0) {
			const m = this.rm(this.size());
			return unit([...m.setup, `${this.rng.pick(['mul', 'imul'])} ${m.text}`], MULTIPLY);
		}
		const size = this.rng.pick([16, 32] as const);
		const m = this.rm(size);
		const third = form === 2 ? `, ${this.rng.chance(0.5) ? this.rng.int(-128, 127) : this.imm(size)}` : '';
		return unit([...m.setup, `imul ${this.reg(size)}, ${m.text}${third}`], MULTIPLY);
	}

	/** DIV/IDIV with a dividend and divisor chosen so the quotient fits: no #DE. */
	divide(): Unit {
		const size = this.size();
		const signed = this.rng.chance(0.5);
		const bits = BigInt(size);
		const full = (1n << bits) - 1n;
		let divisor: bigint;
		let dividend: bigint;
		if (signed) {
			const half = 1n << (bits - 1n);
			do divisor = BigInt.asIntN(size, BigInt(this.rng.interesting())); while (divisor === 0n);
			const quotient = BigInt.asIntN(size, BigInt(this.rng.interesting()));
			const magnitude = divisor < 0n ? -divisor : divisor;
			let remainder = BigInt(this.rng.next()) % magnitude;
			const product = quotient * divisor;
			if (product < 0n || (product === 0n && this.rng.chance(0.5))) remainder = -remainder;
			dividend = product + remainder;
			if (quotient >= half || quotient < -half) throw new Error('quotient out of range');
		} else {
			do divisor = BigInt(maskTo(this.rng.interesting(), size)); while (divisor === 0n);
			const high = BigInt(this.rng.next()) % divisor;
			dividend = (high << bits) | (BigInt(this.rng.next()) & full);
		}
		const high = Number(BigInt.asUintN(size, dividend >> bits));
		const low = Number(BigInt.asUintN(size, dividend));
		const setup = size === 8 ? [`mov ax, ${hex((high << 8) | low)}`] : [`mov ${this.reg(size, 2)}, ${hex(high)}`, `mov ${this.reg(size, 0)}, ${hex(low)}`];
		let source: string;
		if (this.rng.chance(0.5)) {
			const m = this.mem(size, [0, 2]);
			setup.push(...m.setup, `mov ${m.text}, ${hex(Number(BigInt.asUintN(size, divisor)))}`);
			source = m.text;
		} else {
			// Not the accumulator pair: AL/AH for bytes, (E)AX/(E)DX otherwise.
			const choices = size === 8 ? [1, 2, 3, 5, 6, 7] : [1, 3, 5, 6, 7];
			source = this.reg(size, this.rng.pick(choices));
			setup.push(`mov ${source}, ${hex(Number(BigInt.asUintN(size, divisor)))}`);
		}
		// The memory operand's address setup may have used the dividend registers: load them last.
		const [dividendSetup, rest] = size === 8 ? [setup.slice(0, 1), setup.slice(1)] : [setup.slice(0, 2), setup.slice(2)];
		return unit([...rest, ...dividendSetup, `${signed ? 'idiv' : 'div'} ${source}`], DIVIDE);
	}

	shift(): Unit {
		const kind = this.rng.pick(['shl', 'sal', 'shr', 'sar', 'rol', 'ror', 'rcl', 'rcr'] as const);
		const size = this.size();
		const count = this.rng.int(0, 33);
		return this.counted(kind, size, count, (m, c) => `${kind} ${m}, ${c}`);
	}

	doubleShift(): Unit {
		const kind = this.rng.pick(['shld', 'shrd'] as const);
		const size = this.rng.pick([16, 32] as const);
		// A 16-bit double shift by more than 16 has an undefined result.
		let count: number;
		do count = this.rng.int(0, 33); while (size === 16 && (count & 31) > 16);
		const src = this.reg(size);
		return this.counted(kind, size, count, (m, c) => `${kind} ${m}, ${src}, ${c}`);
	}

	private counted(kind: ShiftKind, size: Size, count: number, text: (dst: string, count: string) => string): Unit {
		const viaCl = this.rng.chance(0.5);
		const m = this.rm(size, viaCl ? [1] : []);
		const flags = shiftEffect(kind, count, size);
		if (!viaCl) return unit([...m.setup, text(m.text, String(count))], flags);
		// The count goes into CL last, after any address setup that might use ECX.
		return unit([...m.setup, `mov cl, ${count}`, text(m.text, 'cl')], flags);
	}

	bitTest(): Unit {
		const op = this.rng.pick(['bt', 'bts', 'btr', 'btc']);
		const size = this.rng.pick([16, 32] as const);
		switch (this.rng.int(0, 2)) {
			case 0: return unit([`${op} ${this.reg(size)}, ${this.rng.chance(0.5) ? this.reg(size) : this.rng.int(0, 255)}`], BIT_TEST);
			case 1: {
				const m = this.mem(size);
				return unit([...m.setup, `${op} ${m.text}, ${this.rng.int(0, 255)}`], BIT_TEST);
			}
			default: {
				// A register bit offset reaches the whole bit string around the operand, in both directions.
				const offset = this.rng.int(-1024, 1023);
				const r = this.reg(size);
				return unit([`mov ${this.reg(32, R16.indexOf(r) >= 0 ? R16.indexOf(r) : R32.indexOf(r))}, ${offset}`, `${op} ${PTR[size]} [scratch + 128], ${r}`], BIT_TEST);
			}
		}
	}

	bitScan(): Unit {
		const op = this.rng.pick(['bsf', 'bsr']);
		const size = this.rng.pick([16, 32] as const);
		let value: number;
		do value = this.rng.chance(0.5) ? 1 << this.rng.int(0, size - 1) : maskTo(this.rng.next() >>> this.rng.int(0, 31), size); while (maskTo(value, size) === 0);
		const source = this.rm(size);
		return unit([...source.setup, `mov ${source.text}, ${hex(maskTo(value, size))}`, `${op} ${this.reg(size)}, ${source.text}`], BIT_SCAN);
	}

	conditional(): Unit {
		const n = this.rng.int(0, 15);
		if (this.rng.chance(0.5)) {
			const m = this.rm(8);
			return unit([...m.setup, `set${CONDITIONS[n]} ${m.text}`], effect(conditionReads(n), 0));
		}
		const size = this.rng.pick([16, 32] as const);
		const m = this.rm(size);
		return unit([...m.setup, `cmov${CONDITIONS[n]} ${this.reg(size)}, ${m.text}`], effect(conditionReads(n), 0));
	}

	exchange(): Unit {
		const op = this.rng.pick(['xchg', 'xadd', 'cmpxchg']);
		const size = this.size();
		const m = this.rm(size);
		return unit([...m.setup, `${op} ${m.text}, ${this.reg(size)}`], op === 'xchg' ? NO_FLAGS : ARITHMETIC);
	}

	extend(): Unit {
		const op = this.rng.pick(['movzx', 'movsx']);
		const [to, from] = this.rng.pick([[16, 8], [32, 8], [32, 16]] as const);
		const m = this.rm(from);
		return unit([...m.setup, `${op} ${this.reg(to)}, ${m.text}`], NO_FLAGS);
	}

	lea(): Unit {
		if (this.rng.chance(0.2)) {
			const base = this.rng.pick(['bx', 'bp', '']);
			const index = this.rng.pick(['si', 'di', '']);
			const terms = [base, index, String(this.rng.int(-300, 300))].filter((t) => t !== '');
			return unit([`lea ${this.reg(this.rng.pick([16, 32] as const))}, [${terms.join(' + ').replace('+ -', '- ')}]`], NO_FLAGS);
		}
		const terms: string[] = [];
		if (this.rng.chance(0.8)) terms.push(R32[this.rng.int(0, 7)]);
		if (this.rng.chance(0.6)) terms.push(`${R32[this.rng.pick(FREE)]}*${this.rng.pick([1, 2, 4, 8])}`);
		const disp = this.rng.pick([0, this.rng.int(-128, 127), this.rng.next() | 0]);
		if (disp !== 0 || terms.length === 0) terms.push(String(disp));
		return unit([`lea ${this.reg(this.rng.pick([16, 32] as const))}, [${terms.join(' + ').replace('+ -', '- ')}]`], NO_FLAGS);
	}

	small(): Unit {
		return this.rng.pick<() => Unit>([
			() => unit([`bswap ${this.reg(32)}`], NO_FLAGS),
			() => unit([this.rng.pick(['cbw', 'cwde', 'cwd', 'cdq'])], NO_FLAGS),
			() => unit(['lahf'], LAHF),
			() => unit(['sahf'], SAHF),
			() => unit(['clc'], effect(0, CF)),
			() => unit(['stc'], effect(0, CF)),
			() => unit(['cmc'], effect(CF, CF)),
			// The table may run past the scratch buffer into the stack area: the harness clears that too.
			() => unit([`mov ebx, scratch + ${this.rng.pick([0, this.rng.int(0, 255)])}`, 'xlatb'], NO_FLAGS),
		])();
	}

	stack(): Unit {
		switch (this.rng.int(0, 8)) {
			case 6: return unit([this.rng.pick(['pushad', 'popad', 'pushaw', 'popaw'])], NO_FLAGS);
			// ESP as an operand: PUSH ESP pushes the value before the push; POP m addresses with the incremented ESP.
			case 7: return unit([this.rng.pick(['push esp', 'push sp', `push dword [esp + ${4 * this.rng.int(0, 8)}]`])], NO_FLAGS);
			case 8: return unit([`pop dword [esp + ${4 * this.rng.int(0, 8)}]`], NO_FLAGS);
			case 0: return unit(['pushfd'], PUSHF);
			case 1: return this.popf();
			case 2: {
				const size = this.rng.pick([16, 32] as const);
				const source = this.rng.int(0, 2);
				if (source === 0) return unit([`push ${this.reg(size)}`], NO_FLAGS);
				if (source === 1) return unit([`push ${PTR[size]} ${this.imm(size)}`], NO_FLAGS);
				const m = this.mem(size);
				return unit([...m.setup, `push ${m.text}`], NO_FLAGS);
			}
			default: {
				const size = this.rng.pick([16, 32] as const);
				if (this.rng.chance(0.7)) return unit([`pop ${this.reg(size)}`], NO_FLAGS);
				const m = this.mem(size);
				return unit([...m.setup, `pop ${m.text}`], NO_FLAGS);
			}
		}
	}

	/** POPFD of a random image: everything a ring-0 POPF may change, except TF and IF (a trap or an interrupt would end the test). */
	popf(): Unit {
		return unit([`push dword ${hex(randomEflags(this.rng))}`, 'popfd'], POPF);
	}

	string(): Unit {
		const op = this.rng.pick(['movs', 'stos', 'lods', 'cmps', 'scas']);
		const size = this.rng.pick([8, 16, 32] as const);
		const bytes = size / 8;
		const prefix = this.rng.pick(op === 'cmps' || op === 'scas' ? ['', 'rep', 'repe', 'repne'] : ['', 'rep']);
		const count = prefix === '' ? 1 : this.rng.int(0, 8);
		const down = this.rng.chance(0.5);
		// Keep all `count` elements inside the scratch buffer whichever way DF walks.
		const start = (): number => (down ? this.rng.int(Math.max(0, count - 1) * bytes, SCRATCH_BYTES - bytes) : this.rng.int(0, SCRATCH_BYTES - Math.max(1, count) * bytes));
		const suffix = { 8: 'b', 16: 'w', 32: 'd' }[size];
		const lines = [down ? 'std' : 'cld', `mov esi, scratch + ${start()}`, `mov edi, scratch + ${start()}`];
		if (prefix !== '') lines.push(`mov ecx, ${count}`);
		lines.push(`${prefix} ${op}${suffix}`.trim());
		const compares = op === 'cmps' || op === 'scas';
		return unit(lines, compares && count > 0 ? ARITHMETIC : NO_FLAGS);
	}

	bcd(): Unit {
		switch (this.rng.int(0, 5)) {
			case 0: return unit(['daa'], DAA_DAS);
			case 1: return unit(['das'], DAA_DAS);
			case 2: return unit(['aaa'], AAA_AAS);
			case 3: return unit(['aas'], AAA_AAS);
			case 4: return unit([this.rng.chance(0.5) ? 'aam' : `aam ${this.rng.int(1, 255)}`], AAM_AAD);
			default: return unit([this.rng.chance(0.5) ? 'aad' : `aad ${this.rng.int(0, 255)}`], AAM_AAD);
		}
	}

	/** A Jcc over one to three flag-independent units: either path must give a comparable state. */
	jump(): Unit {
		const n = this.rng.int(0, 15);
		const body = Array.from({ length: this.rng.int(1, 3) }, () =>
			this.rng.pick<() => Unit>([() => this.alu(true), () => this.unary(), () => this.extend(), () => this.lea(), () => this.exchange()])());
		const undefines = body.flatMap((u) => u.flags).reduce((acc, f) => acc | f.undefines, 0);
		return unit([`j${CONDITIONS[n]} @skip`, ...body.flatMap((u) => u.lines), '@skip:'], effect(conditionReads(n), 0, undefines));
	}

	any(): Unit {
		const choices: [number, () => Unit][] = [
			[8, () => this.alu()], [3, () => this.unary()], [3, () => this.multiply()], [2, () => this.divide()],
			[5, () => this.shift()], [2, () => this.doubleShift()], [2, () => this.bitTest()], [1, () => this.bitScan()],
			[3, () => this.conditional()], [2, () => this.exchange()], [1, () => this.extend()], [1, () => this.lea()],
			[2, () => this.small()], [2, () => this.stack()], [2, () => this.string()], [2, () => this.bcd()], [2, () => this.jump()],
		];
		let roll = this.rng.int(0, choices.reduce((s, [w]) => s + w, 0) - 1);
		for (const [weight, make] of choices) {
			if (roll < weight) return make();
			roll -= weight;
		}
		throw new Error('unreachable: weights exhausted');
	}
}

function randomEflags(rng: Prng): number {
	return ((rng.next() & 0x003f7fd7 & ~(TF | IF)) | RESERVED_ONE) >>> 0;
}

function randomScratch(rng: Prng): string {
	return Array.from({ length: SCRATCH_BYTES }, () => (rng.chance(0.2) ? 0 : rng.next() & 0xff).toString(16).padStart(2, '0')).join('');
}

/** One sequence of `length` units; a flag reader whose flags are undefined gets a flag-setting unit in front. */
export function generateSequence(rng: Prng, length: number): Sequence {
	const units = new UnitGenerator(rng);
	const registers = Array.from({ length: 8 }, () => rng.interesting());
	const list: Unit[] = [];
	while (list.length < length) {
		const next = units.any();
		if ('problem' in analyse([...list, next].flatMap((u) => u.flags))) {
			list.push(rng.chance(0.5) ? units.popf() : unit([`cmp ${units.reg(32)}, ${units.imm(32)}`], ARITHMETIC));
		}
		list.push(next);
	}
	return { registers, eflags: randomEflags(rng), scratch: randomScratch(rng), units: list };
}

/** `count` sequences from one seed. */
export function generateBatch(seed: number, count: number, length: number): Sequence[] {
	const rng = new Prng(seed);
	return Array.from({ length: count }, () => generateSequence(rng, length));
}
