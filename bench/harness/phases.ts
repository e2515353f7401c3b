// The phases of bench/nanobench.asm: the number the guest prints around each,
// the %define that sets its iteration count, and what its time is measured against.

export type Ring = 0 | 3;

export interface Phase {
	/** The n of the guest's "P<n>" marker lines. */
	number: number;
	/** Adams and Agesen's letter in the brief, or '' for the reference phases. */
	letter: string;
	label: string;
	/** The %define in nanobench.asm holding the iteration count. */
	countDefine: string;
	ring: Ring;
	/**
	 * The empty-loop phase whose per-iteration time is subtracted to get the cost of the
	 * operation alone; undefined where the loop is part of what is reported (the ALU
	 * phases, counted as instructions) or where the phase is itself the reference.
	 */
	baseline?: number;
	/** Guest instructions per iteration, for phases reported as guest MIPS. */
	instructionsPerIteration?: number;
}

/** The two marker lines with nothing between them: the cost of timing by serial output. */
export const MARKER_PHASE = 0;
export const EMPTY_RING0 = 10;
export const EMPTY_RING3 = 11;
export const ALU_RING3 = 1;
export const ALU_RING0 = 2;

/** 20 ALU instructions plus `dec ecx; jnz`. */
const ALU_INSTRUCTIONS = 22;

/** In the order the table prints them. */
export const PHASES: readonly Phase[] = [
	{ number: ALU_RING3, letter: 'a', label: '20 ALU + loop, ring 3', countDefine: 'N_ALU_RING3', ring: 3, instructionsPerIteration: ALU_INSTRUCTIONS },
	{ number: ALU_RING0, letter: 'b', label: '20 ALU + loop, ring 0', countDefine: 'N_ALU_RING0', ring: 0, instructionsPerIteration: ALU_INSTRUCTIONS },
	{ number: 3, letter: 'c', label: 'int 0x80 + iret, ring 3', countDefine: 'N_SYSCALL', ring: 3, baseline: EMPTY_RING3 },
	{ number: 4, letter: 'd', label: 'in al, 0x80', countDefine: 'N_IN', ring: 0, baseline: EMPTY_RING0 },
	{ number: 5, letter: 'e', label: 'mov cr3 + load (re-walk)', countDefine: 'N_CR3', ring: 0, baseline: EMPTY_RING0 },
	{ number: 6, letter: 'f', label: '#PF, handler skips', countDefine: 'N_PAGE_FAULT', ring: 0, baseline: EMPTY_RING0 },
	{ number: 7, letter: 'g', label: '#DE, handler skips', countDefine: 'N_DIVIDE_ERROR', ring: 0, baseline: EMPTY_RING0 },
	{ number: 8, letter: 'h', label: 'PTE write + invlpg + load', countDefine: 'N_PTE', ring: 0, baseline: EMPTY_RING0 },
	{ number: 9, letter: 'i', label: 'call + ret', countDefine: 'N_CALL', ring: 0, baseline: EMPTY_RING0 },
	{ number: EMPTY_RING0, letter: '', label: 'empty loop (dec/jnz), ring 0', countDefine: 'N_EMPTY_RING0', ring: 0, instructionsPerIteration: 2 },
	{ number: EMPTY_RING3, letter: '', label: 'empty loop (dec/jnz), ring 3', countDefine: 'N_EMPTY_RING3', ring: 3, instructionsPerIteration: 2 },
];

