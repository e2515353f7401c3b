// Register numbering follows the ModRM encoding, so decoded register fields index these arrays directly.

export const enum Reg { EAX = 0, ECX = 1, EDX = 2, EBX = 3, ESP = 4, EBP = 5, ESI = 6, EDI = 7 }
export const REG_NAMES = ['eax', 'ecx', 'edx', 'ebx', 'esp', 'ebp', 'esi', 'edi'] as const;

export const enum Seg { ES = 0, CS = 1, SS = 2, DS = 3, FS = 4, GS = 5 }
export const SEG_NAMES = ['es', 'cs', 'ss', 'ds', 'fs', 'gs'] as const;

/** EFLAGS bits. */
export const enum Flag {
	CF = 1 << 0, PF = 1 << 2, AF = 1 << 4, ZF = 1 << 6, SF = 1 << 7, TF = 1 << 8,
	IF = 1 << 9, DF = 1 << 10, OF = 1 << 11, IOPL = 3 << 12, NT = 1 << 14, RF = 1 << 16,
	VM = 1 << 17, AC = 1 << 18, VIF = 1 << 19, VIP = 1 << 20, ID = 1 << 21,
}
export const IOPL_SHIFT = 12;
/** Bit 1 of EFLAGS always reads as 1. */
export const EFLAGS_FIXED = 1 << 1;
/** The six arithmetic flags, which the execution engine may keep lazily. */
export const ARITH_FLAGS = Flag.CF | Flag.PF | Flag.AF | Flag.ZF | Flag.SF | Flag.OF;

/** CR0 bits. */
export const enum Cr0 { PE = 1 << 0, MP = 1 << 1, EM = 1 << 2, TS = 1 << 3, ET = 1 << 4, NE = 1 << 5, WP = 1 << 16, AM = 1 << 18, NW = 1 << 29, CD = 1 << 30, PG = 1 << 31 }
/** CR4 bits this CPU honours. */
/** DR6 status bits the CPU sets: BD (a debug-register access under DR7.GD), BS (the single-step trap). */
export const enum Dr6 { BD = 1 << 13, BS = 1 << 14 }

export const enum Cr4 { VME = 1 << 0, PVI = 1 << 1, TSD = 1 << 2, DE = 1 << 3, PSE = 1 << 4, PGE = 1 << 7, PCE = 1 << 8 }

/**
 * The hidden part of a segment register (or LDTR/TR), loaded from a descriptor.
 * `limit` is the effective byte limit (granularity already applied).
 */
export interface SegmentCache {
	selector: number;
	base: number;
	limit: number;
	/** Descriptor type field (4 bits) and S bit: code/data when `system` is false. */
	type: number;
	system: boolean;
	dpl: number;
	present: boolean;
	/** D/B bit: 32-bit default operand size (code) or 32-bit stack (SS). */
	big: boolean;
	/** False for a null selector loaded into a data segment register. */
	usable: boolean;
}

export interface TableRegister {
	base: number;
	limit: number;
}

/**
 * Every segment cache is built here, fields always in this order, so all of them share one
 * object shape and the memory-access paths that read `cpu.seg[n]` stay monomorphic (a spread
 * copy `{ ...cache, limit }` would make a second shape).
 */
export function segmentCache(s: SegmentCache): SegmentCache {
	return { selector: s.selector, base: s.base, limit: s.limit, type: s.type, system: s.system, dpl: s.dpl, present: s.present, big: s.big, usable: s.usable };
}

export function flatSegment(selector: number, code: boolean, dpl = 0): SegmentCache {
	return { selector, base: 0, limit: 0xffffffff, type: code ? 0xb : 0x3, system: false, dpl, present: true, big: true, usable: true };
}
