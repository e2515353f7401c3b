; accessed-dirty-system.asm - accessed (A, 0x20) and dirty (D, 0x40) bits set by
; the CPU's own accesses: descriptor tables, the TSS, the operands of lgdt and
; lidt, string I/O buffers, the ring-0 stack of a system call.
;
; Every table and buffer sits on a page of its own. Each step clears A and D in
; that page's entry, drops the translation with INVLPG, runs one instruction
; and prints the entry's bits: lgdt and lidt read their operand; a segment load
; reads the GDT; rep insb writes its buffer, rep outsb reads it; int 0x80 from
; ring 3 reads the IDT and the TSS and pushes on the ring-0 stack; ring 3's own
; reads and writes (run directly by a monitor) set the bits of user pages. (The
; descriptors' own accessed bits are descriptor-bits.asm's business: every
; descriptor here has it set already.)

bits 32
org 0x100000

PAGE_DIR	equ 0x00200000
PAGE_TABLE	equ 0x00201000	; identity map of 0-4 MiB, user and writable
GDT_PAGE	equ 0x00280000	; the GDT, copied here
IDT_PAGE	equ 0x00281000	; the IDT, copied here
TSS_PAGE	equ 0x00282000	; the TSS, copied here
KERNEL_STACK	equ 0x00283000	; the ring-0 stack of system calls (esp0 at its top)
OPERANDS	equ 0x00284000	; lgdt and lidt operands
IO_BUFFER	equ 0x00285000
USER_READS	equ 0x00286000	; ring 3 reads this page
USER_WRITES	equ 0x00287000	; and writes this one
USER_STACK_TOP	equ 0x00080000
AD		equ 0x60
COM1_LSR	equ 0x3FD
COM1_SCRATCH	equ 0x3FF

%define PTE(linear) (PAGE_TABLE + ((linear) >> 12) * 4)

; CLEAR linear: A and D off in the entry of that page, its translation dropped.
%macro CLEAR 1
	and dword [PTE(%1)], ~AD
	invlpg [%1]
%endmacro

; SHOW linear, label: prints the A and D bits of that page's entry.
%macro SHOW 2
	mov eax, [PTE(%1)]
	and eax, AD
	mov esi, %2
	call print_hex8_line
%endmacro

%include "../lib/multiboot.inc"
%include "../lib/start.inc"
%include "../lib/paging-on.inc"

main:
	call build_idt
	mov ecx, 0x80
	mov eax, syscall_entry
	mov dl, 0xEE			; present, DPL 3, 32-bit interrupt gate
	call set_gate_dpl
	mov esi, idt
	mov edi, IDT_PAGE
	mov ecx, 256 * 2
	rep movsd
	mov esi, gdt
	mov edi, GDT_PAGE
	mov ecx, (gdt_end - gdt) / 4
	rep movsd
	mov esi, tss
	mov edi, TSS_PAGE
	mov ecx, (tss_end - tss) / 4
	rep movsd
	mov word [OPERANDS + 2], gdt_end - gdt - 1
	mov dword [OPERANDS + 4], GDT_PAGE
	mov word [OPERANDS + 8 + 2], 256 * 8 - 1
	mov dword [OPERANDS + 8 + 4], IDT_PAGE
	call build_tables
	PAGING_ON
	mov esi, msg_on
	call print

	CLEAR OPERANDS
	lgdt [OPERANDS + 2]
	SHOW OPERANDS, msg_lgdt
	jmp 0x08:.reload		; the new table's code segment
.reload:
	mov ax, 0x10
	mov ds, ax
	mov es, ax
	mov ss, ax
	CLEAR OPERANDS
	lidt [OPERANDS + 8 + 2]
	SHOW OPERANDS, msg_lidt

	mov ax, 0x28
	ltr ax				; marks the TSS descriptor busy: a write to the GDT
	CLEAR GDT_PAGE
	mov ax, 0x10
	mov fs, ax
	SHOW GDT_PAGE, msg_load

	CLEAR IO_BUFFER
	mov dx, COM1_LSR
	mov edi, IO_BUFFER
	mov ecx, 4
	rep insb
	SHOW IO_BUFFER, msg_insb
	CLEAR IO_BUFFER
	mov dx, COM1_SCRATCH
	mov esi, IO_BUFFER
	mov ecx, 4
	rep outsb
	SHOW IO_BUFFER, msg_outsb

	; Ring 3 makes a system call; the pages it involves start clear.
	mov ax, 0x20 | 3
	mov ds, ax
	mov es, ax
	mov fs, ax
	mov gs, ax
	push 0x20 | 3			; SS
	push USER_STACK_TOP		; ESP
	push 0x00000002			; EFLAGS: interrupts off, IOPL 0
	push 0x18 | 3			; CS
	push user_main			; EIP
	CLEAR IDT_PAGE
	CLEAR TSS_PAGE
	CLEAR KERNEL_STACK
	CLEAR USER_READS
	CLEAR USER_WRITES
	iretd				; reads only this stack and the GDT

user_main:
	mov eax, [USER_READS]
	mov [USER_WRITES], eax
	int 0x80
	jmp $				; not reached

; int 0x80: the bits of the pages the call went through, then exit.
syscall_entry:
	SHOW IDT_PAGE, msg_call_idt
	SHOW TSS_PAGE, msg_call_tss
	SHOW KERNEL_STACK, msg_call_stack
	SHOW USER_READS, msg_user_read
	SHOW USER_WRITES, msg_user_write
	mov eax, [esp + 4]		; the caller's CS, from the ring-0 stack
	mov esi, msg_caller
	call print_hex16_line
	xor al, al
	jmp exit

build_tables:
	mov edi, PAGE_DIR
	xor eax, eax
	mov ecx, 1024
	rep stosd
	mov dword [PAGE_DIR], PAGE_TABLE | 7
	mov edi, PAGE_TABLE
	mov eax, AD | 7
	mov ecx, 1024
.pte:
	stosd
	add eax, 0x1000
	loop .pte
	ret

%include "../lib/idt.inc"
%include "../lib/serial.inc"
%include "../lib/print.inc"
%include "../lib/exit.inc"

%include "../lib/gdt-entries.inc"

; Copied to GDT_PAGE before use.
GDT_HEAD
	dq 0x00CFFB000000FFFF		; 0x18 ring-3 code
	dq 0x00CFF3000000FFFF		; 0x20 ring-3 data
	dw 0x67				; 0x28 TSS: limit 103
	dw TSS_PAGE & 0xFFFF		; base 0-15
	db (TSS_PAGE >> 16) & 0xFF	; base 16-23
	db 0x89				; present, DPL 0, available 32-bit TSS
	db 0
	db TSS_PAGE >> 24		; base 24-31
gdt_end:

align 4
tss:					; copied to TSS_PAGE before use
	dd 0				; previous task link
	dd KERNEL_STACK + 0x1000	; esp0
	dd 0x10				; ss0
	times 22 dd 0			; esp1 ... LDT selector
	dw 0				; trap flag
	dw 104				; I/O map base past the limit: no bitmap
tss_end:

msg_on:		db "accessed-dirty-system: paging on; values are entry & 0x60 (A = 0x20, D = 0x40)", 10, 0
msg_lgdt:	db "lgdt operand page: ", 0
msg_lidt:	db "lidt operand page: ", 0
msg_load:	db "gdt page, segment load: ", 0
msg_insb:	db "rep insb buffer page: ", 0
msg_outsb:	db "rep outsb buffer page: ", 0
msg_call_idt:	db "int 0x80 from ring 3, idt page: ", 0
msg_call_tss:	db "int 0x80 from ring 3, tss page: ", 0
msg_call_stack:	db "int 0x80 from ring 3, ring-0 stack page: ", 0
msg_user_read:	db "page read at ring 3: ", 0
msg_user_write:	db "page written at ring 3: ", 0
msg_caller:	db "int 0x80 from cs=", 0

image_end:
