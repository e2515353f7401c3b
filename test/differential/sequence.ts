// A generated test sequence: the starting machine state and a list of units.
// A unit is the smallest piece the minimiser may drop: an instruction plus
// whatever sets up its operands (a count in CL, a divisor that cannot fault,
// an address in a register), so dropping a unit never breaks another one.

import type { FlagEffect } from './flag-rules';

export interface Unit {
	/** NASM lines; `@` stands for a label prefix unique to this unit in the guest. */
	lines: string[];
	/** The unit's flag effects, in execution order. */
	flags: FlagEffect[];
}

export interface Sequence {
	/** EAX..EDI at the start (the ESP slot is ignored: the harness sets ESP). */
	registers: number[];
	/** EFLAGS at the start. */
	eflags: number;
	/** The 256-byte scratch buffer's starting contents, as hex. */
	scratch: string;
	units: Unit[];
}

export const SCRATCH_BYTES = 256;
export const REGISTER_NAMES = ['EAX', 'ECX', 'EDX', 'EBX', 'ESP', 'EBP', 'ESI', 'EDI'] as const;

/** The sequence as readable assembly, one instruction per line. */
export function listing(sequence: Sequence): string {
	return sequence.units.flatMap((u) => u.lines).map((l) => (l.endsWith(':') ? l : `\t${l}`)).join('\n');
}
