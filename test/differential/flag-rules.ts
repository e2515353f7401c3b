// Which arithmetic flags each generated instruction reads, defines and leaves
// undefined (after the SDM's per-instruction "Flags Affected" sections). A
// sequence is only comparable between two CPUs when no instruction reads a
// flag that is undefined at that point, and the flags still undefined at the
// end are masked out of the EFLAGS both CPUs report.

export const CF = 0x001, PF = 0x004, AF = 0x010, ZF = 0x040, SF = 0x080, OF = 0x800;
export const ARITH = CF | PF | AF | ZF | SF | OF;

/** What one instruction (or an indivisible group) does to the arithmetic flags. */
export interface FlagEffect {
	/** Flags whose values influence the result. */
	reads: number;
	/** Flags set to a value the manual defines. */
	defines: number;
	/** Flags the manual leaves undefined afterwards. */
	undefines: number;
}

export const effect = (reads: number, defines: number, undefines = 0): FlagEffect => ({ reads, defines, undefines });
export const NO_FLAGS = effect(0, 0);

/** ADD ADC SUB SBB CMP NEG XADD CMPXCHG CMPS SCAS: all six defined. */
export const ARITHMETIC = effect(0, ARITH);
/** AND OR XOR TEST: AF undefined. */
export const LOGIC = effect(0, ARITH & ~AF, AF);
/** INC DEC: CF unchanged. */
export const STEP = effect(0, ARITH & ~CF);
/** MUL IMUL: CF and OF say whether the high half matters; the rest is undefined. */
export const MULTIPLY = effect(0, CF | OF, SF | ZF | AF | PF);
/** DIV IDIV: every arithmetic flag undefined. */
export const DIVIDE = effect(0, 0, ARITH);
/** BT BTS BTR BTC: CF is the bit; ZF unchanged. */
export const BIT_TEST = effect(0, CF, OF | SF | AF | PF);
/** BSF BSR on a non-zero source: ZF cleared, the rest undefined. */
export const BIT_SCAN = effect(0, ZF, CF | OF | SF | AF | PF);
export const DAA_DAS = effect(CF | AF, CF | AF | SF | ZF | PF, OF);
export const AAA_AAS = effect(AF, CF | AF, OF | SF | ZF | PF);
export const AAM_AAD = effect(0, SF | ZF | PF, OF | AF | CF);
export const LAHF = effect(SF | ZF | AF | PF | CF, 0);
export const SAHF = effect(0, SF | ZF | AF | PF | CF);
export const PUSHF = effect(ARITH, 0);
export const POPF = effect(0, ARITH);

/** The flags a condition code (0 O ... 15 G, the Jcc/SETcc/CMOVcc numbering) looks at. */
export function conditionReads(n: number): number {
	return [OF, CF, ZF, CF | ZF, SF, PF, SF | OF, ZF | SF | OF][n >> 1];
}

export type ShiftKind = 'shl' | 'sal' | 'shr' | 'sar' | 'rol' | 'ror' | 'rcl' | 'rcr' | 'shld' | 'shrd';

/** A shift or rotate by a known count: a masked count of 0 touches nothing; OF is only defined for 1. */
export function shiftEffect(kind: ShiftKind, count: number, size: 8 | 16 | 32): FlagEffect {
	const n = count & 31;
	if (n === 0) return NO_FLAGS;
	const of = n === 1 ? OF : 0;
	switch (kind) {
		case 'rol': case 'ror':
			return effect(0, CF | of, OF & ~of);
		case 'rcl': case 'rcr':
			return effect(CF, CF | of, OF & ~of);
		default: {
			// SHL/SHR by at least the operand width shift every bit out: the manual leaves CF undefined.
			const cfUndefined = (kind === 'shl' || kind === 'sal' || kind === 'shr') && n >= size ? CF : 0;
			return effect(0, (CF & ~cfUndefined) | SF | ZF | PF | of, cfUndefined | AF | (OF & ~of));
		}
	}
}

/**
 * Runs the flag effects in order from an all-defined start. Returns the flags
 * undefined at the end, or a message naming the first read of an undefined flag.
 */
export function analyse(effects: readonly FlagEffect[]): { undefinedAtEnd: number } | { problem: string } {
	let undefinedFlags = 0;
	for (const [i, e] of effects.entries()) {
		if ((e.reads & undefinedFlags) !== 0) return { problem: `step ${i} reads undefined flags ${flagNames(e.reads & undefinedFlags)}` };
		undefinedFlags = (undefinedFlags & ~e.defines) | e.undefines;
	}
	return { undefinedAtEnd: undefinedFlags };
}

export function flagNames(mask: number): string {
	const names: [number, string][] = [[CF, 'CF'], [PF, 'PF'], [AF, 'AF'], [ZF, 'ZF'], [SF, 'SF'], [OF, 'OF']];
	return names.filter(([bit]) => (mask & bit) !== 0).map(([, name]) => name).join(' ');
}
