; paging-off-again.asm - a kernel that turns paging on, off and on again, with
; a different page directory each time it turns it on.
;
; With paging on, linear ALIAS maps frame A (first directory) or frame B
; (second). The kernel writes through ALIAS, turns paging off (linear is then
; physical: ALIAS reads the frame at its own address), reads the frames
; directly, and turns paging on with the other directory. A monitor that
; shadows the guest's tables must follow each switch: no translation of one
; mode may survive into the next.

bits 32
org 0x100000

PAGE_DIR	equ 0x00200000	; first directory: 0-4 MiB identity, ALIAS -> FRAME_A
PAGE_TABLE	equ 0x00201000
PAGE_DIR_B	equ 0x00202000	; second directory: the same, ALIAS -> FRAME_B
PAGE_TABLE_B	equ 0x00203000
ALIAS		equ 0x00380000
FRAME_A		equ 0x00300000
FRAME_B		equ 0x00301000

%include "../lib/multiboot.inc"
%include "../lib/start.inc"
%include "../lib/paging-on.inc"

main:
	call load_gdt
	call build_idt
	lidt [idt_descriptor]
	call build_identity_map
	mov dword [PAGE_TABLE + (ALIAS >> 12) * 4], FRAME_A | 3
	mov esi, PAGE_DIR
	mov edi, PAGE_DIR_B
	mov ecx, 2 * 1024
	rep movsd			; directory and table, copied
	mov dword [PAGE_DIR_B], PAGE_TABLE_B | 3
	mov dword [PAGE_TABLE_B + (ALIAS >> 12) * 4], FRAME_B | 3
	mov dword [ALIAS], 0xa1a5		; paging off: the frame at ALIAS itself

	PAGING_ON
	mov dword [ALIAS], 0xaaaa0001		; frame A
	call paging_off
	mov eax, [ALIAS]
	mov esi, msg_off
	call print_hex32_line
	mov eax, [FRAME_A]
	mov esi, msg_a
	call print_hex32_line

	mov eax, PAGE_DIR_B
	mov cr3, eax
	mov eax, cr0
	or eax, 0x80000000
	mov cr0, eax
	mov eax, [ALIAS]			; frame B: never written
	mov esi, msg_on_b
	call print_hex32_line
	mov dword [ALIAS], 0xbbbb0002
	call paging_off
	mov eax, [FRAME_B]
	mov esi, msg_b
	call print_hex32_line

	PAGING_ON				; the first directory again
	mov eax, [ALIAS]
	mov esi, msg_on_a
	call print_hex32_line
	xor al, al
	jmp exit

paging_off:
	mov eax, cr0
	and eax, 0x7FFFFFFF
	mov cr0, eax
	ret

%include "../lib/kernel.inc"
%include "../lib/identity-map.inc"
%include "../lib/flat-gdt.inc"

msg_off:	db "paging-off-again: paging off, ALIAS reads its own frame ", 0
msg_a:		db "paging-off-again: frame A ", 0
msg_on_b:	db "paging-off-again: second directory, ALIAS reads ", 0
msg_b:		db "paging-off-again: frame B ", 0
msg_on_a:	db "paging-off-again: first directory again, ALIAS reads ", 0

image_end:
