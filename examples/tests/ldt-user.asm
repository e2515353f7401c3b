; ldt-user.asm - ring-3 code whose code, stack and data segments are in the LDT,
; as in kernels that give each process its own LDT.
;
; The kernel enters ring 3 with CS and SS from its LDT. The user makes system
; calls (the kernel prints the CS and SS the frame holds and the user's EAX),
; loads FS from an LDT segment never loaded before (the kernel prints that
; descriptor's accessed bit afterwards), writes through it, and executes CLI
; at IOPL 0: the #GP that ends the run is reported with its error code and the
; CS of its frame. (Not a read past a segment limit: QEMU, the reference,
; does not check data segment limits.)

bits 32
org 0x100000

USER_STACK_TOP	equ 0x00080000
USER_DATA	equ 0x00300000

USER_CS		equ 0x04 | 3	; LDT entry 0: flat ring-3 code
USER_SS		equ 0x0C | 3	; LDT entry 1: flat ring-3 data
USER_SMALL	equ 0x14 | 3	; LDT entry 2: ring-3 data at USER_DATA, limit 0xFFF, never loaded

%include "../lib/multiboot.inc"
%include "../lib/start.inc"

main:
	call load_gdt
	call build_idt
	mov ecx, 0x80
	mov eax, syscall_entry
	mov dl, 0xEE			; present, DPL 3, 32-bit interrupt gate
	call set_gate_dpl
	mov ecx, 13
	mov eax, general_protection
	call set_gate
	lidt [idt_descriptor]
	mov ax, 0x18
	ltr ax
	mov ax, 0x20
	lldt ax
	mov dword [USER_DATA], 0x600d0001

	mov ax, USER_SS
	mov ds, ax
	mov es, ax
	mov fs, ax
	mov gs, ax
	push USER_SS
	push USER_STACK_TOP
	push 0x00000002			; EFLAGS: interrupts off, IOPL 0
	push USER_CS
	push user_main
	iretd

; System call: print the frame's CS and SS and the caller's EAX.
syscall_entry:
	push eax
	mov eax, [esp + 8]		; CS
	mov esi, msg_cs
	call print_hex32_line
	mov eax, [esp + 20]		; SS
	mov esi, msg_ss
	call print_hex32_line
	pop eax
	mov esi, msg_eax
	call print_hex32_line
	iretd

general_protection:
	mov eax, [esp]			; error code
	mov esi, msg_gp
	call print_hex32_line
	mov eax, [esp + 8]		; CS
	mov esi, msg_gp_cs
	call print_hex32_line
	mov eax, [ldt + 2 * 8 + 4]
	mov esi, msg_small_high
	call print_hex32_line
	mov eax, [USER_DATA + 4]
	mov esi, msg_written
	call print_hex32_line
	xor al, al
	jmp exit

user_main:
	mov eax, 1
	int 0x80
	mov eax, 2
	int 0x80
	mov ax, USER_SMALL
	mov fs, ax
	mov eax, [fs:0]
	int 0x80
	mov dword [fs:4], 0x5eed
	cli				; IOPL 0: #GP(0)
	jmp $

%include "../lib/kernel.inc"

GDT_HEAD
TSS_ADDR	equ tss - $$ + 0x00100000
LDT_ADDR	equ ldt - $$ + 0x00100000
	dw tss_end - tss - 1		; 0x18 TSS
	dw TSS_ADDR & 0xFFFF
	db (TSS_ADDR >> 16) & 0xFF, 0x89, 0, TSS_ADDR >> 24
	dw ldt_end - ldt - 1		; 0x20 LDT
	dw LDT_ADDR & 0xFFFF
	db (LDT_ADDR >> 16) & 0xFF, 0x82, 0, LDT_ADDR >> 24
GDT_DESCRIPTOR

align 8
ldt:
	dq 0x00CFFB000000FFFF		; ring-3 code, accessed
	dq 0x00CFF3000000FFFF		; ring-3 data, accessed
	dw 0x0FFF
	dw USER_DATA & 0xFFFF
	db (USER_DATA >> 16) & 0xFF, 0xF2, 0x40, USER_DATA >> 24	; ring-3 data, not accessed
ldt_end:

tss:
	dd 0
	dd KERNEL_STACK_TOP		; esp0
	dd 0x10				; ss0
	times 22 dd 0
	dw 0
	dw tss_end - tss		; no I/O bitmap
tss_end:

msg_cs:		db "ldt-user: system call from CS ", 0
msg_ss:		db "ldt-user: with SS ", 0
msg_eax:	db "ldt-user: and EAX ", 0
msg_gp:		db "ldt-user: #GP, error code ", 0
msg_gp_cs:	db "ldt-user: #GP from CS ", 0
msg_small_high:	db "ldt-user: small segment's descriptor, high word ", 0
msg_written:	db "ldt-user: the user wrote ", 0

image_end:
