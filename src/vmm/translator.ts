// The binary translator for guest ring-0 code under `binary-translation`: an
// InstructionEmitter for the CPU's block compiler. Innocuous instructions are
// copied (IDENT: the CPU's own code for them); every instruction the table
// marks `callout` becomes a call into the monitor, which performs it against
// the virtual CPU, so translated code never traps on a privileged or sensitive
// instruction. Each block also counts its executions, registering itself in the
// translation cache once it has run (before any callout it makes).

import type { LinearAddress } from '../x86/addresses';
import type { InstructionEmitter } from '../x86/block-compiler';
import type { DecodedInstruction } from '../x86/decoded-instruction';
import { lookupCode, type InstructionEntry } from '../x86/instruction-table';
import { emulatorFor, type Emulator } from './emulation';
import { hex } from './format';
import { decodeGuestInstruction, type GuestInstruction } from './guest-instruction';
import type { TranslatedBlockInfo } from './translation-cache';

export interface TranslatorHost {
	/** Performs a replaced instruction with `emulate`; runs with `cpu.eip` already past it (the compiled code's convention). */
	callout(ins: GuestInstruction, entry: InstructionEntry, at: { eip: number; linear: LinearAddress }, emulate: Emulator): void;
	/** An IRETD (into guest ring 0 or out to ring 3) done without the callout when nothing needs it; false when it changed nothing. */
	quickIret(): boolean;
	/** A block ran for the first time: returns the cache entry that counts its executions. */
	register(block: TranslatedBlockInfo): TranslatedBlockInfo;
	/** True for an instruction adaptive translation singled out for storing to traced page tables. */
	isAdapted(linear: LinearAddress): boolean;
	/** Around an adapted instruction: its traced stores are performed by the monitor in place, without a trace fault. */
	beginDirectStore(): void;
	endDirectStore(): void;
}

/** Where a callout sends the instruction, for the listing. */
function calloutTarget(entry: InstructionEntry): string {
	const m = entry.mnemonics[0];
	if (m === 'pushf' || m === 'popf') return 'virtual EFLAGS';
	if (m === 'cli' || m === 'sti') return 'virtual IF';
	if (entry.class === 'iopl-sensitive') return 'virtual devices';
	if (m === 'int' || m === 'int3' || m === 'into') return 'guest IDT';
	if (['iret', 'retf', 'jmp', 'call'].includes(m)) return 'far transfer by guest rules';
	if (['lar', 'lsl', 'verr', 'verw'].includes(m)) return 'guest descriptor tables';
	if (['sgdt', 'sidt', 'sldt', 'str', 'smsw'].includes(m)) return 'virtual system registers';
	if (entry.class === 'privileged') return 'virtual CPU';
	return 'guest selectors';
}

export const IDENT = 'IDENT  ';
export const CALLOUT = 'CALLOUT';
export const ADAPTED = 'ADAPTED';

export function createTranslator(host: TranslatorHost): InstructionEmitter {
	let block: TranslatedBlockInfo | undefined;
	return (ins: DecodedInstruction, index, ctx) => {
		if (index === 0 || !block) block = newBlock(ins);
		block.instructionCount++;
		block.end = ((ins.linear + ins.length) >>> 0) as LinearAddress;
		block.guestDisassembly.push(`${hex(ins.linear)}  ${ins.text}`);
		const entry = lookupCode(ins.codeName);
		let code: string | null = null;
		if (entry?.treatment.binaryTranslation === 'callout') {
			const guest = decodeGuestInstruction(ins.bytes, ins.eip);
			const at = { eip: ins.eip, linear: ins.linear };
			const emulate = emulatorFor(guest);
			code = `${ctx.external(() => host.callout(guest, entry, at, emulate))}();`;
			// A handler's return (into the kernel or out to user code) runs at every fault and system call: tried first without the callout.
			if (guest.code === 'Iretd') code = `if (!${ctx.external(() => host.quickIret())}()) ${code}`;
			block.rewrittenCount++;
			block.listing.push(`${CALLOUT} ${ins.text} -> ${calloutTarget(entry)}`);
		} else if (host.isAdapted(ins.linear)) {
			code = `${ctx.external(() => host.beginDirectStore(), { registerFree: true })}(); try { ${ctx.native(ins)} } finally { ${ctx.external(() => host.endDirectStore(), { registerFree: true })}(); }`;
			block.rewrittenCount++;
			block.listing.push(`${ADAPTED} ${ins.text} -> callout: traced PTE store`);
		} else {
			block.listing.push(`${IDENT} ${ins.text}`);
		}
		if (index === 0) {
			const info = block;
			let counted: TranslatedBlockInfo | undefined;
			// Counted in a local of the compiled code: the block itself stays native.
			ctx.countBlock((executions) => {
				counted ??= host.register(info);
				counted.executions += executions;
			});
		}
		return code;
	};
}

function newBlock(ins: DecodedInstruction): TranslatedBlockInfo {
	return { start: ins.linear, end: ins.linear, instructionCount: 0, rewrittenCount: 0, executions: 0, guestDisassembly: [], listing: [] };
}
