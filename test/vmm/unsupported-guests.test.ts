// Guests ring compression cannot represent stop cleanly as unsupported (the
// machine as it was), in native mode they run. Guest code at ring 1 or 2: the
// monitor runs guest ring 0 at real ring 1, so it cannot keep those rings
// apart from ring 0 (it would emulate their privileged instructions as ring
// 0's). A guest leaving protected mode: the monitor virtualizes protected-mode
// code only.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { EXAMPLES_LIB, writeGuest } from './inline-guests';
import { bootGuest } from './run-guest';

/** A kernel that returns to ring `ring` code with RETF (CS and SS of that ring); that code runs HLT, whose #GP (through the TSS's ring-0 stack) the kernel reports. */
function ringGuest(ring: number): string {
	return `
bits 32
org 0x100000
%include "${EXAMPLES_LIB}/multiboot.inc"
%include "${EXAMPLES_LIB}/start.inc"
main:
	call load_gdt
	call build_idt
	mov eax, general_protection
	mov ecx, 13
	call set_gate
	lidt [idt_descriptor]
	mov ax, 0x28
	ltr ax
	push 0x20 | ${ring}		; SS
	push 0x80000			; ESP
	push 0x18 | ${ring}		; CS
	push middle
	retf
middle:
	mov dword [ss:reached], 1	; DS was nulled on the way out (its DPL 0 is below the new CPL)
	hlt				; privileged: #GP at ring ${ring}
general_protection:
	mov ax, 0x10
	mov ds, ax
	mov es, ax
	mov eax, [reached]
	mov esi, msg
	call print_hex32_line
	xor al, al
	jmp exit
%include "${EXAMPLES_LIB}/kernel.inc"
align 8
gdt:
	dq 0
	dq 0x00CF9B000000FFFF		; 0x08 ring-0 code
	dq 0x00CF93000000FFFF		; 0x10 ring-0 data
	dq 0x00CF${(0x9b | (ring << 5)).toString(16)}000000FFFF		; 0x18 ring-${ring} code
	dq 0x00CF${(0x93 | (ring << 5)).toString(16)}000000FFFF		; 0x20 ring-${ring} data
TSS_ADDR equ tss - $$ + 0x100000
	dw 103, TSS_ADDR & 0xFFFF	; 0x28 TSS
	db (TSS_ADDR >> 16) & 0xFF, 0x89, 0, TSS_ADDR >> 24
gdt_end:
gdt_descriptor:
	dw gdt_end - gdt - 1
	dd gdt
tss:
	dd 0, KERNEL_STACK_TOP, 0x10	; ss0:esp0, the stack of the #GP from ring ${ring}
	times 23 dd 0
	dw 0, 104			; no I/O bitmap
reached: dd 0
msg: db "ring code ran: ", 0
image_end:
`;
}

for (const ring of [1, 2]) {
	test(`a guest entering ring ${ring} runs natively, and stops cleanly as unsupported under ring compression`, () => {
		const path = writeGuest('unsupported-guests', `ring${ring}.asm`, ringGuest(ring));
		const native = bootGuest(path, 'native');
		assert.equal(native.monitor.run(1_000_000).reason, 'exit');
		assert.equal(native.serial(), 'ring code ran: 0x00000001\n');
		for (const mode of ['trap-and-emulate', 'binary-translation'] as const) {
			const guest = bootGuest(path, mode);
			const outcome = guest.monitor.run(1_000_000);
			assert.equal(outcome.reason, 'unsupported', mode);
			assert.match(outcome.message ?? '', new RegExp(`enters ring ${ring} \\(code selector 0x0018\\).*native mode`));
			assert.equal(guest.monitor.guestView().segments.cs.selector & 3, 0, 'stopped at the RETF, still in ring 0');
			assert.equal(guest.serial(), '');
			assert.deepEqual(guest.monitor.run(1_000_000), outcome, 'the machine stays stopped');
		}
	});
}

const REAL_MODE = `
bits 32
org 0x100000
%include "${EXAMPLES_LIB}/multiboot.inc"
%include "${EXAMPLES_LIB}/start.inc"
main:
	call load_gdt
	mov dword [0x10010], 0x600d600d
	cli
	mov eax, cr0
	and eax, ~1
	mov cr0, eax			; real mode, still running the 32-bit code segment's cache
	mov ax, 0x1000
	mov ds, ax
	mov ebx, [0x10]			; 0x1000 * 16 + 0x10
	mov eax, cr0
	or eax, 1
	mov cr0, eax
	mov ax, 0x10
	mov ds, ax
	mov eax, ebx
	mov esi, msg
	call print_hex32_line
	xor al, al
	jmp exit
%include "${EXAMPLES_LIB}/kernel.inc"
%include "${EXAMPLES_LIB}/flat-gdt.inc"
msg: db "read in real mode: ", 0
image_end:
`;

test('a guest that drops to real mode and back runs natively, and stops cleanly as unsupported under ring compression', () => {
	const path = writeGuest('unsupported-guests', 'real-mode.asm', REAL_MODE);
	const native = bootGuest(path, 'native');
	assert.equal(native.monitor.run(1_000_000).reason, 'exit');
	assert.equal(native.serial(), 'read in real mode: 0x600d600d\n');
	for (const mode of ['trap-and-emulate', 'binary-translation'] as const) {
		const guest = bootGuest(path, mode);
		const outcome = guest.monitor.run(1_000_000);
		assert.equal(outcome.reason, 'unsupported', mode);
		assert.match(outcome.message ?? '', /leaves protected mode.*native mode/);
		assert.equal(guest.monitor.guestView().cr0 & 1, 1, 'stopped before CR0.PE changed');
	}
});
