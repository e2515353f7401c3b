// Exception vectors of IA-32 and the value thrown inside instruction semantics
// when one is raised. The thrower never delivers: whoever runs the CPU (the
// monitor) catches it and decides, which is what lets a VMM intercept faults.

export const enum Vector {
	DE = 0, DB = 1, NMI = 2, BP = 3, OF = 4, BR = 5, UD = 6, NM = 7,
	DF = 8, TS = 10, NP = 11, SS = 12, GP = 13, PF = 14, MF = 16, AC = 17,
}

export const VECTOR_NAMES: Readonly<Record<number, string>> = {
	0: '#DE divide error', 1: '#DB debug', 2: 'NMI', 3: '#BP breakpoint', 4: '#OF overflow',
	5: '#BR bound range', 6: '#UD invalid opcode', 7: '#NM device not available', 8: '#DF double fault',
	10: '#TS invalid TSS', 11: '#NP segment not present', 12: '#SS stack fault', 13: '#GP general protection',
	14: '#PF page fault', 16: '#MF x87 error', 17: '#AC alignment check',
};

/** Vectors whose delivery pushes an error code (#DF, #TS, #NP, #SS, #GP, #PF, #AC), one bit each. */
const ERROR_CODE_VECTORS = (1 << 8) | (1 << 10) | (1 << 11) | (1 << 12) | (1 << 13) | (1 << 14) | (1 << 17);

/** Whether delivering exception `vector` pushes an error code. */
export const hasErrorCode = (vector: number): boolean => vector < 32 && ((ERROR_CODE_VECTORS >>> vector) & 1) === 1;

/** How an event entered the CPU; decides the return EIP and privilege checks on gates. */
export type InterruptSource =
	| 'fault'     // return to the faulting instruction
	| 'trap'      // return after it (INT3, INTO as traps, debug traps)
	| 'software'  // INT n: gate DPL is checked against CPL
	| 'external'; // a device interrupt through the PIC

/**
 * Thrown at every fault a guest takes, so it is kept cheap. It is an Error by
 * its prototype (instanceof Error holds, the message reads as usual) but its
 * constructor never runs Error's: that alone costs more than the throw, and a
 * guest taking page faults would spend its time in V8's stack-trace machinery.
 * The message is formatted only when someone reads it.
 */
export class CpuException {
	readonly name = 'CpuException';
	constructor(
		readonly vector: number,
		/** Present exactly for the vectors hasErrorCode names. */
		readonly errorCode?: number,
		/** For #PF: the faulting linear address, to be put in CR2 on delivery. */
		readonly faultAddress?: number,
	) {}

	get message(): string {
		const code = this.errorCode !== undefined ? ` (error code 0x${this.errorCode.toString(16)})` : '';
		return `${VECTOR_NAMES[this.vector] ?? `vector ${this.vector}`}${code}`;
	}

	toString(): string {
		return `${this.name}: ${this.message}`;
	}
}
Object.setPrototypeOf(CpuException.prototype, Error.prototype);
// Declaration merging: the type checker sees what the prototype chain gives.
export interface CpuException extends Error {}

/** Page-fault error code bits. */
export const enum PageFaultCode { Present = 1, Write = 2, User = 4, Reserved = 8 }
