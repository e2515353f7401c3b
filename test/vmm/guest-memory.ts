// All of a guest's RAM, for comparing the final state of two runs byte for
// byte (page tables with their accessed and dirty bits, descriptor tables,
// stacks, code the guest rewrote).

import { physical } from '../../src/x86/addresses';
import type { BootedGuest } from './run-guest';

export function guestRam(guest: BootedGuest): Buffer {
	const memory = guest.pc.memory;
	return Buffer.from(memory.peek(physical(0), memory.memoryMiB << 20));
}

/** Where two memory images first differ, for a failure message. */
export function firstDifference(a: Buffer, b: Buffer): string {
	for (let i = 0; i + 4 <= Math.min(a.length, b.length); i += 4) {
		if (a.readUInt32LE(i) !== b.readUInt32LE(i)) return `at 0x${i.toString(16)}: 0x${a.readUInt32LE(i).toString(16)} vs 0x${b.readUInt32LE(i).toString(16)}`;
	}
	return a.length === b.length ? 'nowhere' : `in length: ${a.length} vs ${b.length}`;
}
