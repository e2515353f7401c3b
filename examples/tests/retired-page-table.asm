; retired-page-table.asm - a page table that stops being one.
;
; TABLE maps 4-8 MiB and is used (the monitor traces its frame), then its
; directory entry is cleared and the frame becomes plain data: the kernel
; fills it and sums it. Stores to a frame that no longer holds a page table
; are ordinary stores again; those to the directory still reach the shadows.

bits 32
org 0x100000

PAGE_DIR	equ 0x00200000
PAGE_TABLE	equ 0x00201000	; 0-4 MiB identity
TABLE		equ 0x00202000	; 4-8 MiB, onto 0-4 MiB: then data
MAPPED		equ 0x00400000	; linear, through TABLE
ROUNDS		equ 20

%include "../lib/multiboot.inc"
%include "../lib/paging-on.inc"
%include "../lib/start.inc"

main:
	call load_gdt
	call build_idt
	lidt [idt_descriptor]
	call build_identity_map
	; TABLE maps 4-8 MiB onto the first 4 MiB.
	mov edi, TABLE
	mov eax, 3
	mov ecx, 1024
.map:
	stosd
	add eax, 0x1000
	loop .map
	mov dword [PAGE_DIR + (MAPPED >> 22) * 4], TABLE | 3
	PAGING_ON

	; Used as a page table: a word of this image read through it.
	mov eax, [MAPPED + msg_table]
	mov esi, msg_table
	call print_hex32_line

	; Retired: out of the directory, then written and read as data, round after round.
	mov dword [PAGE_DIR + (MAPPED >> 22) * 4], 0
	mov eax, cr3
	mov cr3, eax
	xor ebx, ebx
	mov edx, ROUNDS
.round:
	mov edi, TABLE
	mov ecx, 1024
.fill:
	lea eax, [ecx + edx * 8]
	mov [edi], eax
	add edi, 4
	loop .fill
	mov esi, TABLE
	mov ecx, 1024
.sum:
	add ebx, [esi]
	rol ebx, 1
	add esi, 4
	loop .sum
	dec edx
	jnz .round
	mov eax, ebx
	mov esi, msg_data
	call print_hex32_line

	xor al, al
	jmp exit

%include "../lib/kernel.inc"
%include "../lib/identity-map.inc"
%include "../lib/flat-gdt.inc"

msg_table:	db "retired-page-table: read through it: ", 0
msg_data:	db "retired-page-table: its frame as data: ", 0

image_end:
