// Lazy arithmetic flags. Most flag results are overwritten before anything
// reads them, so the common flag-setting instructions only record what they
// did (kind, operands, result); CF..OF are computed when someone asks.
// The other EFLAGS bits (TF, IF, DF, IOPL, ...) always live in `flagsBits`.

import { CpuState } from './cpu-state';
import { ARITH_FLAGS, EFLAGS_FIXED, Flag } from './registers';

/** The operation recorded by a lazy flag kind (low 3 bits of the kind). */
export const enum FlagOp { None = 0, Add = 1, Adc = 2, Sub = 3, Sbb = 4, Logic = 5, Inc = 6, Dec = 7 }

/** A lazy flag kind: the operation and the operand size index (0: 8, 1: 16, 2: 32 bits) in bits 3..4. */
export function flagKind(op: FlagOp, size: 8 | 16 | 32): number {
	return op | ((size === 8 ? 0 : size === 16 ? 1 : 2) << 3);
}

const MASK = [0xff, 0xffff, 0xffffffff];
const SIGN = [0x80, 0x8000, 0x80000000];
/** Bits of EFLAGS that exist on this CPU (reserved bits 3, 5, 15 and 22+ read as 0). */
export const EFLAGS_VALID = 0x003f7fd7;

/** PF for each low result byte: set when the number of one bits is even. */
export const PARITY = new Uint8Array(256);
for (let i = 0; i < 256; i++) {
	let bits = 0;
	for (let v = i; v !== 0; v >>= 1) bits += v & 1;
	PARITY[i] = bits % 2 === 0 ? Flag.PF : 0;
}

export abstract class FlagState extends CpuState {
	/** EFLAGS; the arithmetic bits are valid only while `lk` is 0. */
	flagsBits = EFLAGS_FIXED;
	/** Lazy kind (flagKind) of the last flag-setting operation, 0 when `flagsBits` is exact. */
	lk = 0;
	la = 0;
	lb = 0;
	lr = 0;

	cf(): number {
		const k = this.lk;
		if (k === 0) return this.flagsBits & Flag.CF;
		const m = MASK[k >> 3];
		switch (k & 7) {
			case FlagOp.Add: return ((this.lr & m) >>> 0) < ((this.la & m) >>> 0) ? 1 : 0;
			case FlagOp.Adc: return ((this.lr & m) >>> 0) <= ((this.la & m) >>> 0) ? 1 : 0;
			case FlagOp.Sub: return ((this.la & m) >>> 0) < ((this.lb & m) >>> 0) ? 1 : 0;
			case FlagOp.Sbb: return ((this.la & m) >>> 0) <= ((this.lb & m) >>> 0) ? 1 : 0;
			case FlagOp.Logic: return 0;
			default: return this.flagsBits & Flag.CF;
		}
	}

	zf(): boolean {
		const k = this.lk;
		if (k === 0) return (this.flagsBits & Flag.ZF) !== 0;
		return (this.lr & MASK[k >> 3]) === 0;
	}

	sf(): boolean {
		const k = this.lk;
		if (k === 0) return (this.flagsBits & Flag.SF) !== 0;
		return (this.lr & SIGN[k >> 3]) !== 0;
	}

	pf(): boolean {
		if (this.lk === 0) return (this.flagsBits & Flag.PF) !== 0;
		return PARITY[this.lr & 0xff] !== 0;
	}

	af(): boolean {
		const k = this.lk;
		if (k === 0) return (this.flagsBits & Flag.AF) !== 0;
		// AND/OR/XOR/TEST leave AF undefined; real Intel parts clear it, and so do we.
		if ((k & 7) === FlagOp.Logic) return false;
		return ((this.la ^ this.lb ^ this.lr) & 0x10) !== 0;
	}

	of(): boolean {
		const k = this.lk;
		if (k === 0) return (this.flagsBits & Flag.OF) !== 0;
		const s = SIGN[k >> 3];
		switch (k & 7) {
			case FlagOp.Add: case FlagOp.Adc: case FlagOp.Inc:
				return ((this.la ^ this.lr) & (this.lb ^ this.lr) & s) !== 0;
			case FlagOp.Sub: case FlagOp.Sbb: case FlagOp.Dec:
				return ((this.la ^ this.lb) & (this.la ^ this.lr) & s) !== 0;
			default: return false;
		}
	}

	/** Condition `n` of jcc/setcc/cmovcc (0 O, 1 NO, 2 B, ... 15 G). */
	cond(n: number): boolean {
		switch (n) {
			case 0: return this.of();
			case 1: return !this.of();
			case 2: return this.cf() !== 0;
			case 3: return this.cf() === 0;
			case 4: return this.zf();
			case 5: return !this.zf();
			case 6: return this.cf() !== 0 || this.zf();
			case 7: return this.cf() === 0 && !this.zf();
			case 8: return this.sf();
			case 9: return !this.sf();
			case 10: return this.pf();
			case 11: return !this.pf();
			case 12: return this.sf() !== this.of();
			case 13: return this.sf() === this.of();
			case 14: return this.zf() || this.sf() !== this.of();
			default: return !this.zf() && this.sf() === this.of();
		}
	}

	/** All six arithmetic flags from one look at the recorded operation (each flag's own method would look six times). */
	override getEflags(): number {
		const k = this.lk;
		if (k === 0) return this.flagsBits | EFLAGS_FIXED;
		const m = MASK[k >> 3];
		const s = SIGN[k >> 3];
		const a = this.la;
		const b = this.lb;
		const r = this.lr;
		let cf = this.flagsBits & Flag.CF;
		let of = false;
		switch (k & 7) {
			case FlagOp.Add: cf = ((r & m) >>> 0) < ((a & m) >>> 0) ? Flag.CF : 0; of = ((a ^ r) & (b ^ r) & s) !== 0; break;
			case FlagOp.Adc: cf = ((r & m) >>> 0) <= ((a & m) >>> 0) ? Flag.CF : 0; of = ((a ^ r) & (b ^ r) & s) !== 0; break;
			case FlagOp.Inc: of = ((a ^ r) & (b ^ r) & s) !== 0; break;
			case FlagOp.Sub: cf = ((a & m) >>> 0) < ((b & m) >>> 0) ? Flag.CF : 0; of = ((a ^ b) & (a ^ r) & s) !== 0; break;
			case FlagOp.Sbb: cf = ((a & m) >>> 0) <= ((b & m) >>> 0) ? Flag.CF : 0; of = ((a ^ b) & (a ^ r) & s) !== 0; break;
			case FlagOp.Dec: of = ((a ^ b) & (a ^ r) & s) !== 0; break;
			case FlagOp.Logic: cf = 0; break;
		}
		// AND/OR/XOR/TEST leave AF undefined; real Intel parts clear it, and so do we (as af() does).
		const af = (k & 7) === FlagOp.Logic ? 0 : (a ^ b ^ r) & Flag.AF;
		return (this.flagsBits & ~ARITH_FLAGS) | EFLAGS_FIXED | cf | PARITY[r & 0xff] | af
			| ((r & m) === 0 ? Flag.ZF : 0) | ((r & s) !== 0 ? Flag.SF : 0) | (of ? Flag.OF : 0);
	}

	override systemFlags(): number {
		return (this.flagsBits & ~ARITH_FLAGS) | EFLAGS_FIXED;
	}

	/** Sets every EFLAGS bit as given, without privilege rules (those belong to POPF/IRET). */
	override setEflags(value: number): void {
		this.flagsBits = ((value & EFLAGS_VALID) | EFLAGS_FIXED) >>> 0;
		this.lk = 0;
	}

	/** Makes `flagsBits` exact so single flags can be changed in it. */
	materializeFlags(): void {
		if (this.lk !== 0) {
			this.flagsBits = this.getEflags();
			this.lk = 0;
		}
	}

	/** Sets the arithmetic flags eagerly: ZF, SF, PF from `result` of `size` bits; CF, OF, AF as given. */
	setResultFlags(result: number, size: 8 | 16 | 32, cf: boolean, of: boolean, af: boolean): void {
		const m = size === 32 ? 0xffffffff : (1 << size) - 1;
		const sign = size === 32 ? 0x80000000 : 1 << (size - 1);
		this.flagsBits = (this.flagsBits & ~ARITH_FLAGS) | (cf ? Flag.CF : 0) | PARITY[result & 0xff] | (af ? Flag.AF : 0)
			| ((result & m) === 0 ? Flag.ZF : 0) | ((result & sign) !== 0 ? Flag.SF : 0) | (of ? Flag.OF : 0);
		this.lk = 0;
	}

	/** Changes CF and OF only (rotates), keeping the other flags. */
	setCarryOverflow(cf: boolean, of: boolean): void {
		this.materializeFlags();
		this.flagsBits = (this.flagsBits & ~(Flag.CF | Flag.OF)) | (cf ? Flag.CF : 0) | (of ? Flag.OF : 0);
	}

	/** Sets or clears one non-lazy flag bit or CF/ZF (after materialising). */
	setFlag(flag: number, on: boolean): void {
		this.materializeFlags();
		this.flagsBits = on ? this.flagsBits | flag : this.flagsBits & ~flag;
	}

	/** INC/DEC keep CF: it moves into `flagsBits` before the lazy kind changes. */
	keepCarry(): void {
		const cf = this.cf();
		this.flagsBits = (this.flagsBits & ~Flag.CF) | cf;
	}
}
