; descriptor-bits.asm - the bits the CPU writes into the guest's GDT.
;
; Loading a data descriptor whose accessed bit (type bit 0) is clear sets that
; bit in the GDT; LTR sets the TSS descriptor's busy bit. Each descriptor below
; starts with its bit clear and is loaded one way: mov gs, mov ss, pop es and
; lfs at ring 0, mov ds at ring 3. The kernel prints each descriptor's type
; byte (byte 5) afterwards. (Code segments entered by far jumps, gates and
; iret get the bit on real processors but not on QEMU, the reference: none
; is tested here.)

bits 32
org 0x100000

USER_STACK_TOP	equ 0x00080000

; Selectors of the descriptors under test (their accessed bits start clear).
FOR_MOV		equ 0x30		; ring-0 data, for mov gs
FOR_MOV_SS	equ 0x38		; ring-0 data, for mov ss
FOR_POP		equ 0x40		; ring-0 data, for pop es
FOR_LFS		equ 0x48		; ring-0 data, for lfs
FOR_USER	equ 0x50		; ring-3 data, for mov ds at ring 3

%include "../lib/multiboot.inc"
%include "../lib/start.inc"
%include "../lib/user-mode.inc"

main:
	call load_gdt
	call build_idt
	mov ecx, 0x80
	mov eax, syscall_entry
	mov dl, 0xEE			; present, DPL 3, 32-bit interrupt gate
	call set_gate_dpl
	lidt [idt_descriptor]

	mov ax, 0x28
	ltr ax
	mov eax, 0x28
	call print_type

	mov ax, FOR_MOV
	mov gs, ax
	mov eax, FOR_MOV
	call print_type

	mov ax, FOR_MOV_SS
	mov ss, ax
	mov ax, 0x10
	mov ss, ax
	mov eax, FOR_MOV_SS
	call print_type

	push FOR_POP
	pop es
	mov eax, FOR_POP
	call print_type

	lfs eax, [far_pointer]
	mov eax, FOR_LFS
	call print_type

	ENTER_RING3 user_main

user_main:
	mov ax, FOR_USER | 3
	mov ds, ax
	int 0x80
	jmp $				; not reached

; int 0x80 from ring 3: the type byte of the descriptor ring 3 loaded, then exit.
syscall_entry:
	mov eax, FOR_USER
	call print_type
	xor al, al
	jmp exit

far_pointer:
	dd 0				; offset
	dw FOR_LFS			; selector

; print_type: "descriptor 0xNN type 0xTT" for the selector in EAX.
print_type:
	push eax
	mov esi, msg_descriptor
	call print
	mov ecx, 2
	call print_hex
	mov esi, msg_type
	movzx eax, byte [gdt + eax + 5]
	call print_hex8_line
	pop eax
	ret

%include "../lib/kernel.inc"

GDT_HEAD
	dq 0x00CFFB000000FFFF		; 0x18 ring-3 code, accessed
	dq 0x00CFF3000000FFFF		; 0x20 ring-3 data, accessed
TSS_ADDR	equ tss - $$ + 0x00100000	; a plain number, so it can be split up
	dw tss_end - tss - 1		; 0x28 TSS: limit
	dw TSS_ADDR & 0xFFFF		; base 0-15
	db (TSS_ADDR >> 16) & 0xFF	; base 16-23
	db 0x89				; present, DPL 0, available 32-bit TSS
	db 0
	db TSS_ADDR >> 24		; base 24-31
	dq 0x00CF92000000FFFF		; 0x30 ring-0 data, not accessed
	dq 0x00CF92000000FFFF		; 0x38 ring-0 data, not accessed
	dq 0x00CF92000000FFFF		; 0x40 ring-0 data, not accessed
	dq 0x00CF92000000FFFF		; 0x48 ring-0 data, not accessed
	dq 0x00CFF2000000FFFF		; 0x50 ring-3 data, not accessed
GDT_DESCRIPTOR

; The TSS: only ss0:esp0 matter, the stack the CPU switches to on entering ring 0.
tss:
	dd 0				; previous task link
	dd KERNEL_STACK_TOP		; esp0
	dd 0x10				; ss0
	times 22 dd 0			; esp1 ... LDT selector
	dw 0				; trap flag
	dw tss_end - tss		; I/O map base past the limit: no bitmap
tss_end:

msg_descriptor:	db "descriptor-bits: descriptor ", 0
msg_type:	db " type ", 0

image_end:
