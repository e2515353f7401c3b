// Two address spaces for tests of compiled code across CR3 loads and INVLPG:
// both identity-map the low 4 MiB, where the test's code runs, and differ only
// in the 4 MiB page at linear 4 MiB, which each maps to a frame of its own.

import { Cr0 } from '../../src/x86/registers';
import type { TestMachine } from './helpers';

export const PTE_PRESENT = 1, PTE_WRITABLE = 2;

/** Page directories of the two spaces; the page table for linear 4-8 MiB is at directory + 0x2000. */
export const DIRECTORIES = [0x10000, 0x20000];

/** Builds the two spaces in `m`'s memory (which must reach past 0x23000) and turns paging on in the first. */
export function enterTwoAddressSpaces(m: TestMachine, frames: readonly [number, number]): void {
	DIRECTORIES.forEach((pd, i) => {
		const low = pd + 0x1000, high = pd + 0x2000;
		m.memory.setU32(pd, low | PTE_PRESENT | PTE_WRITABLE);
		for (let n = 0; n < 1024; n++) m.memory.setU32(low + 4 * n, (n << 12) | PTE_PRESENT | PTE_WRITABLE);
		m.memory.setU32(pd + 4, high | PTE_PRESENT | PTE_WRITABLE);
		m.memory.setU32(high, frames[i] | PTE_PRESENT | PTE_WRITABLE);
	});
	m.cpu.cr3 = DIRECTORIES[0];
	m.cpu.cr0 |= Cr0.PG;
	m.cpu.flushTlb();
}

/** A CR3 load as the hardware does it: the new directory, and the TLB flushed. */
export function switchAddressSpace(m: TestMachine, directory: number): void {
	m.cpu.cr3 = directory;
	m.cpu.flushTlb();
}
