// Arithmetic that does not fit in one JavaScript expression: 64-bit products
// and quotients, shifts and rotates with their flag rules. Generated code calls
// these; each value function is pure and each flags function runs only after
// the result was stored, so a faulting store leaves the flags untouched.

import { CpuException, Vector } from './exceptions';
import type { FlagState } from './lazy-flags';

const mask = (size: number): number => (size === 32 ? 0xffffffff : (1 << size) - 1);
const msb = (v: number, size: number): number => (v >>> (size - 1)) & 1;

/** High 32 bits of the unsigned 64-bit product a * b. */
export function mulHighU32(a: number, b: number): number {
	const al = a & 0xffff, ah = a >>> 16, bl = b & 0xffff, bh = b >>> 16;
	const ll = al * bl, lh = al * bh, hl = ah * bl, hh = ah * bh;
	const mid = (ll >>> 16) + (lh & 0xffff) + (hl & 0xffff);
	return (hh + (lh >>> 16) + (hl >>> 16) + Math.floor(mid / 65536)) | 0;
}

/** High 32 bits of the signed 64-bit product a * b. */
export function mulHighS32(a: number, b: number): number {
	return (mulHighU32(a, b) - (a < 0 ? b : 0) - (b < 0 ? a : 0)) | 0;
}

/** The remainder of the last divide helper call (its quotient is the return value). */
export const divOut = { remainder: 0 };

const signExtend = (v: number, size: number): number => (size === 32 ? v | 0 : (v << (32 - size)) >> (32 - size));

/** Unsigned (hi:lo) / d for an operand of `size` bits; #DE on a zero divisor or a quotient that does not fit. */
export function divU(hi: number, lo: number, d: number, size: 8 | 16 | 32): number {
	d = d >>> 0;
	if (d === 0) throw new CpuException(Vector.DE);
	hi >>>= 0;
	lo >>>= 0;
	let q: number;
	let r: number;
	if (size === 32 && hi !== 0) {
		const n = (BigInt(hi) << 32n) | BigInt(lo);
		const bq = n / BigInt(d);
		if (bq > 0xffffffffn) throw new CpuException(Vector.DE);
		q = Number(bq);
		r = Number(n % BigInt(d));
	} else {
		const n = hi * 2 ** size + lo;
		q = Math.floor(n / d);
		r = n - q * d;
		if (q > mask(size)) throw new CpuException(Vector.DE);
	}
	// Generated code keeps 32-bit values as int32: an unsigned quotient or remainder above 2^31 must wrap.
	divOut.remainder = r | 0;
	return q | 0;
}

/** Signed (hi:lo) / d for an operand of `size` bits, truncating toward zero; #DE as IDIV raises it. */
export function divS(hi: number, lo: number, d: number, size: 8 | 16 | 32): number {
	const sd = signExtend(d, size);
	if (sd === 0) throw new CpuException(Vector.DE);
	const n = (BigInt(signExtend(hi, size)) << BigInt(size)) | BigInt.asUintN(size, BigInt(lo | 0));
	const bq = n / BigInt(sd);
	const limit = 1n << BigInt(size - 1);
	if (bq >= limit || bq < -limit) throw new CpuException(Vector.DE);
	divOut.remainder = Number(n % BigInt(sd));
	return Number(bq);
}

export function shl(v: number, count: number, size: number): number {
	return count >= 32 ? 0 : (v << count) & mask(size);
}

export function shlFlags(c: FlagState, v: number, count: number, size: 8 | 16 | 32, res: number): void {
	const cf = count <= size ? ((v >>> (size - count)) & 1) !== 0 : false;
	// OF is defined for a count of 1 (MSB of result XOR CF); we use the same rule for every count.
	// AF is undefined for shifts; we clear it.
	c.setResultFlags(res, size, cf, (msb(res, size) !== 0) !== cf, false);
}

export function shr(v: number, count: number, size: number): number {
	return count >= 32 ? 0 : ((v & mask(size)) >>> count);
}

export function shrFlags(c: FlagState, v: number, count: number, size: 8 | 16 | 32, res: number): void {
	const cf = count <= size ? (((v & mask(size)) >>> (count - 1)) & 1) !== 0 : false;
	// OF is the original MSB for a count of 1; kept for every count.
	c.setResultFlags(res, size, cf, msb(v, size) !== 0, false);
}

export function sar(v: number, count: number, size: number): number {
	return (signExtend(v, size) >> Math.min(count, 31)) & mask(size);
}

export function sarFlags(c: FlagState, v: number, count: number, size: 8 | 16 | 32, res: number): void {
	const cf = ((signExtend(v, size) >> (Math.min(count, size) - 1)) & 1) !== 0;
	c.setResultFlags(res, size, cf, false, false);
}

export function rol(v: number, count: number, size: number): number {
	const n = count % size;
	v &= mask(size);
	return n === 0 ? v : ((v << n) | (v >>> (size - n))) & mask(size);
}

/** ROL: CF = LSB of the result; OF = MSB XOR CF (defined for 1, used for every count). */
export function rolFlags(c: FlagState, res: number, size: number): void {
	const cf = (res & 1) !== 0;
	c.setCarryOverflow(cf, (msb(res, size) !== 0) !== cf);
}

export function ror(v: number, count: number, size: number): number {
	const n = count % size;
	v &= mask(size);
	return n === 0 ? v : ((v >>> n) | (v << (size - n))) & mask(size);
}

/** ROR: CF = MSB of the result; OF = XOR of its two top bits. */
export function rorFlags(c: FlagState, res: number, size: number): void {
	c.setCarryOverflow(msb(res, size) !== 0, (msb(res, size) ^ ((res >>> (size - 2)) & 1)) !== 0);
}

/** The rotate count of RCL/RCR after masking to 5 bits: it rotates through size + 1 bits. */
export function rcCount(count: number, size: number): number {
	return (count & 31) % (size + 1);
}

/** Result of RCL; the new CF is left in `rotateCarry.cf`. */
export const rotateCarry = { cf: 0 };

export function rcl(v: number, count: number, size: number, cf: number): number {
	v &= mask(size);
	for (let i = 0; i < count; i++) {
		const out = msb(v, size);
		v = ((v << 1) | cf) & mask(size);
		cf = out;
	}
	rotateCarry.cf = cf;
	return v;
}

export function rclFlags(c: FlagState, res: number, size: number): void {
	const cf = rotateCarry.cf !== 0;
	c.setCarryOverflow(cf, (msb(res, size) !== 0) !== cf);
}

export function rcr(v: number, count: number, size: number, cf: number): number {
	v &= mask(size);
	for (let i = 0; i < count; i++) {
		const out = v & 1;
		v = (v >>> 1) | (cf << (size - 1));
		cf = out;
	}
	rotateCarry.cf = cf;
	return v >>> 0 & mask(size);
}

/** RCR: OF = MSB of the original XOR the CF before the rotate (defined for 1, kept for every count). */
export function rcrFlags(c: FlagState, v: number, cfBefore: number, size: number): void {
	c.setCarryOverflow(rotateCarry.cf !== 0, msb(v, size) !== cfBefore);
}

/** SHLD: dst shifted left, filled from the top of src. Counts above 16 for 16-bit operands shift through src again (as Intel parts do). */
export function shld(dst: number, src: number, count: number, size: 16 | 32): number {
	if (size === 32) return (dst << count) | (src >>> (32 - count));
	const wide = ((dst & 0xffff) * 0x10000 + (src & 0xffff)) * 0x10000 + (dst & 0xffff);
	return Math.floor(wide / 2 ** (32 - count)) % 0x10000;
}

export function shldFlags(c: FlagState, dst: number, count: number, size: 16 | 32, res: number): void {
	const cf = count <= size ? ((dst >>> (size - count)) & 1) !== 0 : false;
	c.setResultFlags(res, size, cf, msb(res, size) !== msb(dst, size), false);
}

export function shrd(dst: number, src: number, count: number, size: 16 | 32): number {
	if (size === 32) return (dst >>> count) | (src << (32 - count));
	const wide = ((dst & 0xffff) * 0x10000 + (src & 0xffff)) * 0x10000 + (dst & 0xffff);
	return Math.floor(wide / 2 ** count) % 0x10000;
}

export function shrdFlags(c: FlagState, dst: number, count: number, size: 16 | 32, res: number): void {
	const cf = ((dst >>> (count - 1)) & 1) !== 0;
	c.setResultFlags(res, size, cf, msb(res, size) !== msb(dst, size), false);
}

export function bsf(v: number): number {
	return 31 - Math.clz32(v & -v);
}

export function bsr(v: number): number {
	return 31 - Math.clz32(v);
}

export function bswap(v: number): number {
	return ((v << 24) | ((v & 0xff00) << 8) | ((v >>> 8) & 0xff00) | (v >>> 24)) | 0;
}
