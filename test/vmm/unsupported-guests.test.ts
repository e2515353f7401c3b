// Guests ring compression cannot represent stop cleanly as unsupported (the
// machine as it was), in native mode they run. Guest code at ring 1 or 2: the
// monitor runs guest ring 0 at real ring 1, so it cannot keep those rings
// apart from ring 0 (it would emulate their privileged instructions as ring
// 0's). A guest leaving protected mode: the monitor virtualizes protected-mode
// code only. A call gate: it would take ring 3 into real ring 1 behind the
// monitor's back, and the monitor does not perform gate transfers itself.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { EXAMPLES_LIB, writeGuest } from './inline-guests';
import { bootGuest } from './run-guest';

/**
 * Boots `source` natively (it must run to its exit, printing `nativeOutput`) and under each compressed mode,
 * where it must stop as unsupported with `message`, print nothing, and stay stopped; `atStop` checks the
 * machine where it stopped.
 */
function expectUnsupported(name: string, source: string, nativeOutput: string | RegExp, message: RegExp, atStop: (guest: ReturnType<typeof bootGuest>) => void): void {
	const path = writeGuest('unsupported-guests', name, source);
	const native = bootGuest(path, 'native');
	assert.equal(native.monitor.run(1_000_000).reason, 'exit');
	if (typeof nativeOutput === 'string') assert.equal(native.serial(), nativeOutput);
	else assert.match(native.serial(), nativeOutput);
	for (const mode of ['trap-and-emulate', 'binary-translation'] as const) {
		const guest = bootGuest(path, mode);
		const outcome = guest.monitor.run(1_000_000);
		assert.equal(outcome.reason, 'unsupported', mode);
		assert.match(outcome.message ?? '', message);
		atStop(guest);
		assert.equal(guest.serial(), '');
		assert.deepEqual(guest.monitor.run(1_000_000), outcome, 'the machine stays stopped');
	}
}

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
		expectUnsupported(`ring${ring}.asm`, ringGuest(ring), 'ring code ran: 0x00000001\n', new RegExp(`enters ring ${ring} \\(code selector 0x0018\\).*native mode`), (guest) => {
			assert.equal(guest.monitor.guestView().segments.cs.selector & 3, 0, 'stopped at the RETF, still in ring 0');
		});
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
	expectUnsupported('real-mode.asm', REAL_MODE, 'read in real mode: 0x600d600d\n', /leaves protected mode.*native mode/, (guest) => {
		assert.equal(guest.monitor.guestView().cr0 & 1, 1, 'stopped before CR0.PE changed');
	});
});

/** Ring 3 calls the kernel through a 32-bit call gate (the lcall 7,0 of old Unix kernels); the kernel returns with RETF. */
const CALL_GATE = `bits 32
org 0x100000

USER_STACK_TOP	equ 0x00080000
GATE		equ 0x30

%include "${EXAMPLES_LIB}/multiboot.inc"
%include "${EXAMPLES_LIB}/start.inc"
%include "${EXAMPLES_LIB}/user-mode.inc"

main:
	SYSCALL_KERNEL syscall_entry
	mov eax, gate_entry			; the gate's offset, split into its two words
	mov [gdt + GATE], ax
	shr eax, 16
	mov [gdt + GATE + 6], ax
	ENTER_RING3 user_main

gate_entry:
	mov eax, [esp + 4]			; the caller's CS
	mov esi, msg_caller
	call print_hex32_line
	mov eax, [esp + 12]			; the caller's SS
	mov esi, msg_caller_ss
	call print_hex32_line
	push cs
	pop eax
	mov esi, msg_cs
	call print_hex32_line
	retf

syscall_entry:
	mov esi, msg_back
	call print_hex32_line
	xor al, al
	jmp exit

user_main:
	call GATE | 3:0
	mov eax, 0x600d
	int 0x80

%include "${EXAMPLES_LIB}/kernel.inc"

align 8
gdt:
	dq 0
	dq 0x00CF9B000000FFFF		; 0x08 ring-0 code
	dq 0x00CF93000000FFFF		; 0x10 ring-0 data
	dq 0x00CFFB000000FFFF		; 0x18 ring-3 code
	dq 0x00CFF3000000FFFF		; 0x20 ring-3 data
TSS_ADDR	equ tss - $$ + 0x00100000
	dw tss_end - tss - 1		; 0x28 TSS
	dw TSS_ADDR & 0xFFFF
	db (TSS_ADDR >> 16) & 0xFF, 0x89, 0, TSS_ADDR >> 24
	dw 0, 0x08, 0xEC00, 0		; 0x30 32-bit call gate to 0x08:gate_entry, DPL 3 (offset filled in)
gdt_end:
gdt_descriptor:
	dw gdt_end - gdt - 1
	dd gdt

tss:
	dd 0, KERNEL_STACK_TOP, 0x10
	times 23 dd 0
	dw 0, 104
tss_end:

msg_caller:	db "call-gate: caller's CS ", 0
msg_caller_ss:	db "call-gate: caller's SS ", 0
msg_cs:		db "call-gate: the kernel runs with CS ", 0
msg_back:	db "call-gate: back at ring 3, then a system call with EAX ", 0

image_end:
`;

test('a guest calling through a call gate runs natively, and stops cleanly as unsupported under ring compression', () => {
	expectUnsupported('call-gate.asm', CALL_GATE, /the kernel runs with CS 0x00000008\n.*back at ring 3/, /call gate \(selector 0x0030\).*native mode/, (guest) => {
		assert.equal(guest.monitor.guestView().segments.cs.selector, 0x1b, 'stopped at the far call, still at ring 3');
	});
});
