; sensitive.asm - only the sensitive-but-unprivileged probes, each printing what it saw.
;
; None of these instructions traps at ring 1, so a trap-and-emulate monitor never
; sees them: they answer with the real machine's state. On bare hardware (QEMU,
; Ringside "native") every line matches what this kernel set up: IF as set, its
; own GDT/IDT, RPL 0, DPL-0 descriptors. Compare the same run under
; "trap-and-emulate". Interrupts stay masked at the PIC, so sti is harmless.

bits 32
org 0x100000

IDT_ADDR	equ 0x00200000	; an empty IDT: only its base and limit are read

%include "../lib/multiboot.inc"
%include "../lib/user-gdt.inc"	; first, so that its address, which sgdt prints, stays put
%include "../lib/start.inc"

main:
	call load_gdt
	mov ax, 0x28
	ltr ax
	xor eax, eax
	lldt ax
	lidt [idt_descriptor]
	mov al, 0xFF			; mask every IRQ: sti below must not bring one in
	out 0x21, al
	out 0xA1, al

	sti
	pushfd
	pop eax
	mov esi, msg_pushf_sti
	call print_if_line
	cli
	pushfd
	pop eax
	mov esi, msg_pushf_cli
	call print_if_line
	pushfd
	or dword [esp], 0x200		; ask popfd for IF = 1
	popfd
	pushfd
	pop eax
	cli
	mov esi, msg_popf
	call print_if_line

	sgdt [table_buffer]
	mov esi, msg_sgdt
	call print_table_register
	sidt [table_buffer]
	mov esi, msg_sidt
	call print_table_register

	xor eax, eax
	smsw ax
	mov esi, msg_smsw
	call print_hex16_line
	xor eax, eax
	str ax
	mov esi, msg_str
	call print_hex16_line
	xor eax, eax
	sldt ax
	mov esi, msg_sldt
	call print_hex16_line

	push cs
	pop eax
	and eax, 3
	mov esi, msg_push_cs
	call print_digit_line
	push ss
	pop eax
	and eax, 3
	mov esi, msg_push_ss
	call print_digit_line
	mov ax, cs
	and eax, 3
	mov esi, msg_mov_cs
	call print_digit_line

	mov ecx, 0x08
	xor eax, eax			; a selector lar/lsl rejects leaves EAX alone: show 0
	lar eax, ecx
	mov esi, msg_lar_kcs
	call print_hex32_line
	mov ecx, 0x10
	xor eax, eax
	lar eax, ecx
	mov esi, msg_lar_kds
	call print_hex32_line
	mov ecx, 0x1B
	xor eax, eax
	lar eax, ecx
	mov esi, msg_lar_ucs
	call print_hex32_line
	mov ecx, 0x28
	xor eax, eax
	lsl eax, ecx
	mov esi, msg_lsl_tss
	call print_hex32_line
	mov ecx, 0x10
	xor eax, eax
	lsl eax, ecx
	mov esi, msg_lsl_kds
	call print_hex32_line
	mov ax, 0x08
	verr ax
	mov esi, msg_verr_kcs
	call print_zf_line
	mov ax, 0x08
	verw ax
	mov esi, msg_verw_kcs
	call print_zf_line
	mov ax, 0x10
	verw ax
	mov esi, msg_verw_kds
	call print_zf_line
	mov ax, 0x23
	verw ax
	mov esi, msg_verw_uds
	call print_zf_line

	xor al, al
	jmp exit

%include "../lib/print.inc"

; print_if_line: IF, EFLAGS bit 9, of the value in EAX.
print_if_line:
	shr eax, 9
	and eax, 1
	jmp print_digit_line
; print_zf_line: 1 if ZF is set.
print_zf_line:
	setz al
	movzx eax, al
	jmp print_digit_line
; print_table_register: base and limit as sgdt/sidt stored them in table_buffer.
print_table_register:
	call print
	push ecx
	mov eax, [table_buffer + 2]
	mov ecx, 8
	call print_hex
	mov esi, msg_limit
	call print
	movzx eax, word [table_buffer]
	mov ecx, 4
	call print_hex
	pop ecx
	jmp newline

%include "../lib/gdt.inc"
%include "../lib/serial.inc"
%include "../lib/exit.inc"

idt_descriptor:
	dw 256 * 8 - 1
	dd IDT_ADDR
table_buffer:	times 6 db 0

msg_pushf_sti:	db "pushfd after sti: IF=", 0
msg_pushf_cli:	db "pushfd after cli: IF=", 0
msg_popf:	db "popfd setting IF: IF=", 0
msg_sgdt:	db "sgdt: base=", 0
msg_sidt:	db "sidt: base=", 0
msg_limit:	db " limit=", 0
msg_smsw:	db "smsw: ", 0
msg_str:	db "str: ", 0
msg_sldt:	db "sldt: ", 0
msg_push_cs:	db "push cs: rpl=", 0
msg_push_ss:	db "push ss: rpl=", 0
msg_mov_cs:	db "mov ax, cs: rpl=", 0
msg_lar_kcs:	db "lar 0x08: ", 0
msg_lar_kds:	db "lar 0x10: ", 0
msg_lar_ucs:	db "lar 0x1b: ", 0
msg_lsl_tss:	db "lsl 0x28: ", 0
msg_lsl_kds:	db "lsl 0x10: ", 0
msg_verr_kcs:	db "verr 0x08: readable=", 0
msg_verw_kcs:	db "verw 0x08: writable=", 0
msg_verw_kds:	db "verw 0x10: writable=", 0
msg_verw_uds:	db "verw 0x23: writable=", 0

image_end:
