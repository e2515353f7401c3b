// The monitor's caches on its trap paths must never show the guest a stale
// value: the decoded trapping instructions when the guest rewrites its code,
// the shadow GDT when the guest's GDT changes under it without a traced store
// to it (its page remapped, a write from outside the CPU).

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { TrappedInstructions, TRAPPED_INSTRUCTIONS_KEPT } from '../../src/vmm/trapped-instructions';
import { linear, physical } from '../../src/x86/addresses';
import { CpuException, Vector } from '../../src/x86/exceptions';
import { FlatCpu } from './flat-cpu';
import { EVERY_MODE, EXAMPLES_LIB, exitCodeFor, LOAD_GDT, PAGING_WITH_GDT_PAGE, setGate, writeGuest } from './inline-guests';
import { bootGuest } from './run-guest';

test('a trapped instruction is decoded once per address, and afresh when its bytes change', () => {
	const cpu = new FlatCpu();
	const cache = new TrappedInstructions();
	const at = linear(0x1000);
	cpu.ram.set([0xe4, 0x80], at); // in al, 0x80
	assert.equal(cache.decode(cpu, at, 0x1000).text, 'in al, 0x80');
	assert.equal(cache.decode(cpu, at, 0x1000).text, 'in al, 0x80');
	assert.deepEqual({ hits: cache.hits, decodes: cache.decodes }, { hits: 1, decodes: 1 });
	cpu.ram[at + 1] = 0x61; // in al, 0x61: same length, one byte rewritten
	assert.equal(cache.decode(cpu, at, 0x1000).text, 'in al, 0x61');
	cpu.ram.set([0x0f, 0x22, 0xd8], at); // mov cr3, eax: a longer instruction over the old one
	const ins = cache.decode(cpu, at, 0x1000);
	assert.equal(ins.text, 'mov cr3, eax');
	assert.equal(ins.length, 3);
	assert.equal(cache.decodes, 3);
});

test('the decode cache keys on EIP too, keeps no failed decode and stays bounded', () => {
	const cpu = new FlatCpu();
	const cache = new TrappedInstructions();
	cpu.ram.set([0xe8, 0x00, 0x00, 0x00, 0x00], 0x2000); // call rel32: its text names an EIP-relative target
	assert.equal(cache.decode(cpu, linear(0x2000), 0x2000).text, 'call 0x00002005');
	assert.equal(cache.decode(cpu, linear(0x2000), 0x1000).text, 'call 0x00001005');
	cpu.ram.set([0xff, 0xff], 0x3000); // FF /7: no such instruction
	const undefinedOpcode = (e: unknown): boolean => e instanceof CpuException && e.vector === Vector.UD;
	assert.throws(() => cache.decode(cpu, linear(0x3000), 0x3000), undefinedOpcode);
	assert.throws(() => cache.decode(cpu, linear(0x3000), 0x3000), undefinedOpcode);
	// A fetch fault on the first byte is the guest's, cached entry or not.
	const last = linear(cpu.ram.length - 1);
	cpu.ram[last] = 0xfa; // cli
	assert.equal(cache.decode(cpu, last, last).text, 'cli');
	assert.throws(() => cache.decode(cpu, linear(cpu.ram.length), cpu.ram.length), (e: unknown) => e instanceof CpuException && e.vector === Vector.PF);
	for (let i = 0; i <= TRAPPED_INSTRUCTIONS_KEPT; i++) cache.decode(cpu, linear(0x10000 + i), 0x10000 + i);
	const before = cache.decodes;
	cache.decode(cpu, last, last);
	assert.equal(cache.decodes, before + 1, 'the cache started over once full');
});

/**
 * A ring-0 guest with paging on whose GDT page is linear GDT_PAGE. It loads
 * FS (selector 0x18) and reads [fs:0], takes INT 0x30 (its handler just
 * returns), loads FS again and reads again, and exits with the two values'
 * low nibbles. Descriptor 0x18 has base VALUE_A in the first GDT copy and
 * VALUE_B in the second; with `remap`, the guest points GDT_PAGE at the
 * second copy between the two reads (a PTE store and INVLPG, nothing written
 * to either GDT).
 */
function gdtGuest(remap: boolean): string {
	return `
bits 32
org 0x100000
%include "${EXAMPLES_LIB}/multiboot.inc"
GDT_PAGE equ 0x200000
VALUE_A equ 0x300000
VALUE_B equ 0x300004
VALUE_C equ 0x300008
start:
	mov esp, 0x90000
	mov dword [VALUE_A], 1
	mov dword [VALUE_B], 2
	mov dword [VALUE_C], 3
${PAGING_WITH_GDT_PAGE}
${LOAD_GDT}
${setGate(0x30, 'handler', 0x08, 0x8e00)}
	lidt [idtr]
	mov ax, 0x18
	mov fs, ax
	mov ecx, [fs:0]
first_read_done:
${remap ? `	mov dword [page_table + (GDT_PAGE >> 12) * 4], gdt_b + 3
	invlpg [GDT_PAGE]` : ''}
	int 0x30
	mov ax, 0x18
	mov fs, ax
	mov ebx, [fs:0]
	mov eax, ecx
	and eax, 0x0f
	shl eax, 4
	and ebx, 0x0f
	or eax, ebx
	out 0xf4, al
	jmp $
handler:
	iretd
gdtr:	dw 0x1f
	dd GDT_PAGE
idtr:	dw 0x30 * 8 + 7
	dd idt
align 4096
gdt_a:	dq 0
	dq 0x00cf9a000000ffff
	dq 0x00cf92000000ffff
	dq 0x00cf92300000ffff
align 4096
gdt_b:	dq 0
	dq 0x00cf9a000000ffff
	dq 0x00cf92000000ffff
	dq 0x00cf92300004ffff
align 4096
page_directory:	times 1024 dd 0
page_table:	times 1024 dd 0
idt:	times 0x31 dq 0
image_end:
`;
}

test('the shadow GDT follows the guest remapping its GDT page, in every mode', () => {
	const path = writeGuest('trap-caches', 'gdt-remap.asm', gdtGuest(true));
	for (const mode of EVERY_MODE) {
		const outcome = bootGuest(path, mode).monitor.run(1_000_000);
		assert.deepEqual(outcome, { reason: 'exit', exitCode: exitCodeFor(1, 2) }, mode);
	}
});

test('the shadow GDT follows a write to the guest GDT from outside the CPU (a debugger poke)', () => {
	const path = writeGuest('trap-caches', 'gdt-poke.asm', gdtGuest(false));
	for (const mode of EVERY_MODE) {
		const guest = bootGuest(path, mode);
		guest.monitor.setBreakpoints([linear(guest.symbol('first_read_done'))]);
		assert.equal(guest.monitor.run(1_000_000).reason, 'breakpoint', mode);
		// Descriptor 0x18 of the first copy now has base VALUE_C (base bits 0-15 sit in bytes 2-3 of the descriptor).
		guest.pc.memory.write32(physical(guest.symbol('gdt_a') + 0x18), 0x0008ffff);
		guest.monitor.setBreakpoints([]);
		assert.deepEqual(guest.monitor.run(1_000_000), { reason: 'exit', exitCode: exitCodeFor(1, 3) }, mode);
	}
});
