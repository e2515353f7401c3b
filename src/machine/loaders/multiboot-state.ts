// The machine state a multiboot boot loader hands to the kernel: 32-bit
// protected mode with flat 4 GiB segments whose descriptors exist only in the
// segment caches (no GDT is loaded: the kernel must load its own before
// reloading a segment register), paging and interrupts off.

import { Cr0, EFLAGS_FIXED, Reg, Seg, flatSegment } from '../../x86/registers';
import type { LinearAddress, PhysicalAddress } from '../../x86/addresses';
import type { CpuState } from '../../x86/cpu-state';
import { MULTIBOOT_BOOTLOADER_MAGIC } from './multiboot-header';

export const BOOT_CODE_SELECTOR = 0x08;
export const BOOT_DATA_SELECTOR = 0x10;
/** Multiboot leaves ESP undefined; a fixed value keeps every run identical. */
export const BOOT_STACK_POINTER = 0x7c00;

export function enterMultibootState(cpu: CpuState, entry: LinearAddress, infoAddress: PhysicalAddress): void {
	cpu.regs.fill(0);
	cpu.regs[Reg.EAX] = MULTIBOOT_BOOTLOADER_MAGIC;
	cpu.regs[Reg.EBX] = infoAddress;
	cpu.regs[Reg.ESP] = BOOT_STACK_POINTER;
	cpu.seg[Seg.CS] = flatSegment(BOOT_CODE_SELECTOR, true);
	for (const s of [Seg.DS, Seg.ES, Seg.FS, Seg.GS, Seg.SS]) cpu.seg[s] = flatSegment(BOOT_DATA_SELECTOR, false);
	cpu.cpl = 0;
	cpu.eip = entry;
	cpu.setEflags(EFLAGS_FIXED);
	cpu.cr0 = Cr0.PE | Cr0.ET;
	cpu.cr2 = 0;
	cpu.cr3 = 0;
	cpu.cr4 = 0;
	cpu.gdtr = { base: 0, limit: 0 };
	// An empty IDT: a fault before the kernel loads its own ends in a clean triple fault, not a jump into garbage.
	cpu.idtr = { base: 0, limit: 0 };
	cpu.ldtr = { ...flatSegment(0, false), system: true, type: 2, limit: 0, usable: false };
	cpu.tr = { ...flatSegment(0, false), system: true, type: 0xb, limit: 0, usable: false };
	cpu.halted = false;
}
