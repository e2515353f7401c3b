// Emitters that keep the CPU's own code for an instruction and only add a
// word from the monitor around it. (The binary translator, which replaces
// code, is translator.ts.)

import type { InstructionEmitter } from '../x86/block-compiler';
import type { DecodedInstruction } from '../x86/decoded-instruction';
import { lookupCode } from '../x86/instruction-table';

/**
 * Trap-and-emulate's view of the holes: sensitive instructions that do not
 * trap at real ring 1 run with the hardware's ring-1 behaviour, after a call
 * that lets the monitor report the hole. `report` returns false when the
 * monitor must stop before the instruction runs. Installed only while someone
 * listens to events, so an unobserved guest runs the plain blocks.
 */
export function createHoleEmitter(report: (ins: DecodedInstruction) => boolean): InstructionEmitter {
	return (ins, _index, ctx) => {
		if (lookupCode(ins.codeName)?.treatment.trapAndEmulate !== 'hole') return null;
		return `if (${ctx.external(() => report(ins))}()) { ${ctx.native(ins)} }`;
	};
}

/**
 * Native mode: output instructions stay native but are compiled as emitted
 * code, which checks the CPU's exit request right after them. A write to the
 * debug-exit port then ends the run at that instruction, as on QEMU, instead of
 * at the end of its block.
 */
export const outputExitEmitter: InstructionEmitter = (ins, _index, ctx) =>
	/^(Out_|Outs)/.test(ins.codeName) ? ctx.native(ins) : null;
