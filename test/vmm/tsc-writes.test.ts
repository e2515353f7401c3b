// A guest's write to its time-stamp counter. The monitor keeps the guest's
// MSRs in the virtual CPU, but RDTSC runs on the hardware (at ring 3, and in
// translated ring-0 code), so after a guest WRMSR the hardware's counter must
// follow: every way of reading the TSC agrees, in every mode. (QEMU's TCG,
// the reference for the example guests, ignores TSC writes.)

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { EVERY_MODE, EXAMPLES_LIB, writeGuest } from './inline-guests';
import { bootGuest } from './run-guest';

const GUEST = `
bits 32
org 0x100000
USER_STACK_TOP equ 0x00080000
%include "${EXAMPLES_LIB}/multiboot.inc"
%include "${EXAMPLES_LIB}/user-gdt.inc"
%include "${EXAMPLES_LIB}/start.inc"
%include "${EXAMPLES_LIB}/user-mode.inc"
main:
	SYSCALL_KERNEL syscall_entry
	mov ecx, 0x10
	mov edx, 7
	xor eax, eax
	wrmsr				; TSC := 7:0
	rdtsc
	mov eax, edx
	mov esi, msg_rdtsc
	call print_hex32_line
	mov ecx, 0x10
	rdmsr
	mov eax, edx
	mov esi, msg_rdmsr
	call print_hex32_line
	mov ecx, 0x3b			; IA32_TSC_ADJUST moved with it: 7:0 less the instructions so far
	rdmsr
	mov eax, edx
	mov esi, msg_adjust
	call print_hex32_line
	ENTER_RING3 user_main
syscall_entry:
	mov esi, msg_user
	call print_hex32_line
	xor al, al
	jmp exit
user_main:
	rdtsc
	mov eax, edx
	int 0x80
%include "${EXAMPLES_LIB}/kernel.inc"
msg_rdtsc: db "rdtsc ", 0
msg_rdmsr: db "rdmsr ", 0
msg_adjust: db "adjust ", 0
msg_user: db "ring 3 rdtsc ", 0
image_end:
`;

test('after a guest writes its TSC, RDTSC at ring 0 and ring 3, RDMSR and TSC_ADJUST agree, in every mode', () => {
	const path = writeGuest('tsc-writes', 'tsc.asm', GUEST);
	const expected = 'rdtsc 0x00000007\nrdmsr 0x00000007\nadjust 0x00000006\nring 3 rdtsc 0x00000007\n';
	for (const mode of EVERY_MODE) {
		const guest = bootGuest(path, mode);
		assert.equal(guest.monitor.run(1_000_000).reason, 'exit', mode);
		assert.equal(guest.serial(), expected, mode);
	}
});
