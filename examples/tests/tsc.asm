; tsc.asm - the time-stamp counter as a kernel guards it: with CR4.TSD set,
; RDTSC still works at ring 0 (only the high half is printed: the low half is
; time), and at ring 3 it is the user's #GP, which the kernel reports. (A
; write to the TSC is not probed: QEMU's TCG, the reference, ignores it.)

bits 32
org 0x100000

USER_STACK_TOP	equ 0x00080000

%include "../lib/multiboot.inc"
%include "../lib/user-gdt.inc"
%include "../lib/start.inc"
%include "../lib/user-mode.inc"

main:
	call load_gdt
	call build_idt
	mov eax, general_protection
	mov ecx, 13
	call set_gate
	lidt [idt_descriptor]
	mov ax, 0x28
	ltr ax

	mov eax, cr4
	or eax, 4			; CR4.TSD
	mov cr4, eax
	rdtsc
	mov eax, edx
	mov esi, msg_tsd
	call print_hex32_line
	ENTER_RING3 user_main

general_protection:
	mov ax, 0x10
	mov ds, ax
	mov eax, [esp + 8]		; the faulting CS
	mov esi, msg_gp
	call print_hex32_line
	xor al, al
	jmp exit

user_main:
	rdtsc				; CR4.TSD: #GP at ring 3
	jmp $

%include "../lib/kernel.inc"

msg_tsd:	db "tsc: with CR4.TSD, rdtsc at ring 0, high half ", 0
msg_gp:		db "tsc: rdtsc at ring 3 under CR4.TSD: #GP from CS ", 0

image_end:
