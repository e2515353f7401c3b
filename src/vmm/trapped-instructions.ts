// The instructions that trapped (or that trace faults name), decoded once per
// guest address. Decoding and formatting with iced-x86 costs more than the
// whole rest of a #GP trap; a guest traps on the same few instructions again
// and again. An entry is used only while the guest's bytes at that address are
// still the ones it was decoded from, checked on every use, so code the guest
// rewrites (or remaps) is decoded afresh without any invalidation hook.

import { linear, type LinearAddress } from '../x86/addresses';
import { CpuException } from '../x86/exceptions';
import type { SystemCpu } from '../x86/system/system-cpu';
import { decodeGuestInstruction, fetchInstructionBytes, type GuestInstruction } from './guest-instruction';

interface Entry {
	eip: number;
	/** The instruction's own bytes: decoding never looks past them. */
	bytes: Uint8Array;
	instruction: GuestInstruction;
}

/** Past this many addresses the cache starts over: a guest trapping everywhere only loses the cache, never memory. */
export const TRAPPED_INSTRUCTIONS_KEPT = 4096;

export class TrappedInstructions {
	private readonly entries = new Map<number, Entry>();
	hits = 0;
	decodes = 0;

	/**
	 * The instruction at `at` (CS:EIP = `eip`), as decodeGuestInstruction
	 * gives it for the bytes fetchInstructionBytes reads now; throws as they do
	 * (the guest's fetch fault, #UD).
	 */
	decode(cpu: SystemCpu, at: LinearAddress, eip: number): GuestInstruction {
		const entry = this.entries.get(at);
		if (entry && entry.eip === eip && this.unchanged(cpu, at, entry.bytes)) {
			this.hits++;
			return entry.instruction;
		}
		const bytes = fetchInstructionBytes(cpu, at);
		const instruction = decodeGuestInstruction(bytes, eip);
		this.decodes++;
		if (this.entries.size >= TRAPPED_INSTRUCTIONS_KEPT) this.entries.clear();
		this.entries.set(at, { eip, bytes: bytes.slice(0, instruction.length), instruction });
		return instruction;
	}

	/** A fault on the first byte is the guest's, as on a fresh fetch; one further on means the bytes are not all there: decode afresh. */
	private unchanged(cpu: SystemCpu, at: LinearAddress, bytes: Uint8Array): boolean {
		if (cpu.readLinear8(at, false) !== bytes[0]) return false;
		for (let i = 1; i < bytes.length; i++) {
			try {
				if (cpu.readLinear8(linear(at + i), false) !== bytes[i]) return false;
			} catch (e) {
				if (e instanceof CpuException) return false;
				throw e;
			}
		}
		return true;
	}
}
