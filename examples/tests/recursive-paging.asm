; recursive-paging.asm - a page directory that maps itself, and mappings at the very top.
;
; Directory entry 1023 points at the directory, as many hobby kernels do: the
; page tables then appear at 0xFFC00000 (table N at 0xFFC00000 + N * 4 KiB) and
; the directory itself at 0xFFFFF000. The kernel reads its own entries there,
; writes new ones there (a table for 0x00400000, built and filled through the
; window with a string store), maps a page at 0xFFBFF000 and runs on a stack in
; it (push, call, ret above 0xFF800000), and writes to 0xFF400020 with nothing
; mapped there: its #PF handler maps that page through the window and the write
; is retried. Under Ringside's monitor every one of these lands in 4 MiB slots
; the monitor's own region was using, so the monitor has to move out of the way.
; Entries are printed with the accessed and dirty bits masked off.

bits 32
org 0x100000

PAGE_DIR	equ 0x00200000
PAGE_TABLE	equ 0x00201000	; 0-4 MiB, identity
LOW_TABLE	equ 0x00202000	; 4-8 MiB, built through the window
HIGH_TABLE	equ 0x00203000	; 0xFF800000-0xFFBFFFFF
DEMAND_TABLE	equ 0x00204000	; 0xFF400000-0xFF7FFFFF, built by the #PF handler
FRAME		equ 0x00300000	; mapped at 0x00400000
STACK_FRAME	equ 0x00301000	; mapped at 0xFFBFF000
DEMAND_FRAME	equ 0x00302000	; mapped at 0xFF400000

TABLES		equ 0xFFC00000	; page table N at TABLES + N * 4096
DIRECTORY	equ 0xFFFFF000	; the page directory, through itself
HIGH_STACK_TOP	equ 0xFFC00000	; the end of the page at 0xFFBFF000
DEMAND_PAGE	equ 0xFF400000
ENTRY_MASK	equ 0xFFFFF007	; frame, user, writable, present

%include "../lib/multiboot.inc"
%include "../lib/start.inc"
%include "../lib/paging-on.inc"

main:
	call load_gdt
	call build_idt
	mov ecx, 14
	mov eax, page_fault
	call set_gate
	lidt [idt_descriptor]

	call build_identity_map
	mov dword [PAGE_DIR + 1023 * 4], PAGE_DIR | 3	; the directory maps itself
	PAGING_ON
	mov esi, msg_on
	call print

	mov eax, [TABLES + (0x00100000 >> 12) * 4]	; this code's own PTE
	and eax, ENTRY_MASK
	mov esi, msg_code_pte
	call print_hex32_line
	mov eax, [DIRECTORY]		; directory entry 0, at 0xFFFFF000
	and eax, ENTRY_MASK
	mov esi, msg_pde0
	call print_hex32_line
	mov eax, [DIRECTORY + 1023 * 4]	; the self-map, read through itself
	and eax, ENTRY_MASK
	mov esi, msg_pde1023
	call print_hex32_line

	; 0x00400000 -> FRAME: the directory entry at 0xFFFFF004, then the new table at 0xFFC01000.
	mov dword [DIRECTORY + 1 * 4], LOW_TABLE | 3
	mov edi, TABLES + 1 * 4096
	xor eax, eax
	mov ecx, 1024
	rep stosd
	mov dword [TABLES + 1 * 4096], FRAME | 3
	mov dword [0x00400010], 0x12345678
	mov eax, [FRAME + 0x10]
	mov esi, msg_low
	call print_hex32_line
	mov eax, [TABLES + 1 * 4096]
	and eax, ENTRY_MASK
	mov esi, msg_low_pte
	call print_hex32_line

	; A stack at 0xFFBFF000: directory entry 1022, its table filled through 0xFFFFE000.
	mov dword [DIRECTORY + 1022 * 4], HIGH_TABLE | 3
	mov edi, TABLES + 1022 * 4096
	xor eax, eax
	mov ecx, 1024
	rep stosd
	mov dword [TABLES + 1022 * 4096 + 1023 * 4], STACK_FRAME | 3
	mov ebp, esp
	mov esp, HIGH_STACK_TOP
	push dword 0xA5A5A5A5
	call add_to_pushed
	pop ecx
	mov esp, ebp
	mov esi, msg_high_call
	call print_hex32_line
	mov eax, ecx
	mov esi, msg_high_pop
	call print_hex32_line
	mov eax, [STACK_FRAME + 0xFFC]
	mov esi, msg_high_frame
	call print_hex32_line

	; Nothing maps 0xFF400000 yet: the #PF handler maps it, and the store is retried.
	mov dword [DEMAND_PAGE + 0x20], 0x600DF00D
	mov eax, [DEMAND_FRAME + 0x20]
	mov esi, msg_demand
	call print_hex32_line
	mov eax, [DIRECTORY + (DEMAND_PAGE >> 22) * 4]
	and eax, ENTRY_MASK
	mov esi, msg_demand_pde
	call print_hex32_line

	mov esi, msg_done
	call print
	xor al, al
	jmp exit

; EAX := the dword the caller pushed + 0x01010101 (runs on the high stack).
add_to_pushed:
	mov eax, [esp + 4]
	add eax, 0x01010101
	ret

; #PF: only DEMAND_PAGE is expected. Its table goes in through the window.
page_fault:
	pushad
	mov ebx, cr2
	mov eax, ebx
	mov esi, msg_pf_cr2
	call print_hex32_line
	mov eax, [esp + 32]
	mov esi, msg_pf_error
	call print_hex16_line
	and ebx, 0xFFFFF000
	cmp ebx, DEMAND_PAGE
	jne unexpected
	mov dword [DIRECTORY + (DEMAND_PAGE >> 22) * 4], DEMAND_TABLE | 3
	mov edi, TABLES + (DEMAND_PAGE >> 22) * 4096
	xor eax, eax
	mov ecx, 1024
	rep stosd
	mov dword [TABLES + (DEMAND_PAGE >> 22) * 4096 + ((DEMAND_PAGE >> 12) & 0x3FF) * 4], DEMAND_FRAME | 3
	invlpg [ebx]
	popad
	add esp, 4			; the error code
	iretd

%include "../lib/identity-map.inc"
%include "../lib/serial.inc"
%include "../lib/gdt.inc"
%include "../lib/idt.inc"
%include "../lib/print.inc"
%include "../lib/exit.inc"
%include "../lib/flat-gdt.inc"

msg_on:		db "paging: on, directory entry 1023 maps the directory", 10, 0
msg_code_pte:	db "PTE of 0x00100000 at 0xffc00400: ", 0
msg_pde0:	db "PDE 0 at 0xfffff000: ", 0
msg_pde1023:	db "PDE 1023 at 0xfffffffc: ", 0
msg_low:	db "0x00400010 mapped through the window, read at 0x00300010: ", 0
msg_low_pte:	db "PTE of 0x00400000 at 0xffc01000: ", 0
msg_high_call:	db "call on the stack at 0xffbffff8 returned ", 0
msg_high_pop:	db "popped from 0xffbffffc: ", 0
msg_high_frame:	db "the same dword at 0x00301ffc: ", 0
msg_pf_cr2:	db "#PF: cr2=", 0
msg_pf_error:	db "#PF: error code=", 0
msg_demand:	db "demand-mapped 0xff400020 holds ", 0
msg_demand_pde:	db "PDE 1021 at 0xfffffff4: ", 0
msg_done:	db "recursive paging: done", 10, 0

image_end:
