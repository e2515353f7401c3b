// Small guests written inline in a test, in NASM source: where to put them, and
// the set-up steps several of them share, so that each guest's text shows only
// what its test is about. They boot with bootGuest (run-guest.ts), which
// assembles them with the multiboot header of examples/lib.

import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { MonitorMode } from '../../src/vmm/views';

export const EVERY_MODE: MonitorMode[] = ['native', 'trap-and-emulate', 'binary-translation'];

/** The examples' include directory, for `%include "${EXAMPLES_LIB}/multiboot.inc"`. */
export const EXAMPLES_LIB = join(__dirname, '../../examples/lib');

/** Writes `source` as `name` in a new temporary directory (prefix names the test file) and returns its path. */
export function writeGuest(prefix: string, name: string, source: string): string {
	const path = join(mkdtempSync(join(tmpdir(), `ringside-${prefix}-`)), name);
	writeFileSync(path, source);
	return path;
}

/** The exit code of a guest that writes V = first << 4 | second to port 0xF4. */
export const exitCodeFor = (first: number, second: number): number => (((first << 4) | second) << 1) | 1;

/**
 * Paging on with 0-4 MiB identity-mapped, except linear GDT_PAGE, which maps
 * the frame of `gdt_a`. The guest defines GDT_PAGE, gdt_a and the page-aligned
 * page_directory and page_table (all zero); it runs with ESP set, before LGDT.
 */
export const PAGING_WITH_GDT_PAGE = `	mov edi, page_table
	mov eax, 3
.map:
	stosd
	add eax, 0x1000
	cmp edi, page_table + 4096
	jne .map
	mov dword [page_table + (GDT_PAGE >> 12) * 4], gdt_a + 3
	mov dword [page_directory], page_table + 3
	mov eax, page_directory
	mov cr3, eax
	mov eax, cr0
	or eax, 0x80000000
	mov cr0, eax`;

/** LGDT of `gdtr`, then CS = 0x08 and DS, ES, SS = 0x10 reloaded from that table. */
export const LOAD_GDT = `	lgdt [gdtr]
	jmp 0x08:.reload
.reload:
	mov ax, 0x10
	mov ds, ax
	mov es, ax
	mov ss, ax`;

/**
 * Points IDT entry `vector` of the guest's `idt` table at label `handler` in
 * code segment `selector`; `typeWord` is the gate's word 2 (0x8e00: a present
 * ring-0 interrupt gate, 0xee00: callable from ring 3). Uses EAX.
 */
export function setGate(vector: number, handler: string, selector: number, typeWord: number): string {
	const entry = `idt + 0x${vector.toString(16)} * 8`;
	return `	mov eax, ${handler}
	mov [${entry}], ax
	mov word [${entry} + 2], 0x${selector.toString(16).padStart(2, '0')}
	mov word [${entry} + 4], 0x${typeWord.toString(16)}
	shr eax, 16
	mov [${entry} + 6], ax`;
}
