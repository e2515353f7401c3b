; pte-store-loop.asm - ring-0 loops that store to one page-table entry and one
; page-directory entry again and again.
;
; Each pass maps a page to the next of four frames by one store (at the labels
; page_table_store and page_directory_store), drops the old translation with
; INVLPG and reads through the new mapping. A monitor tracing the guest's page
; tables takes a hidden fault on every such store until it retranslates the
; storing instruction (adaptive binary translation); the guest sees the same
; values either way.

bits 32
org 0x100000

PAGE_DIR	equ 0x00200000
PAGE_TABLE	equ 0x00201000	; 0-4 MiB, identity
HIGH_TABLES	equ 0x00202000	; four page tables for 8-12 MiB, one per frame
FRAMES		equ 0x00300000	; four frames, each with its own value
TEST_PAGE	equ 0x00380000	; remapped by page_table_store
HIGH_PAGE	equ 0x00800000	; remapped by page_directory_store
PASSES		equ 200

%include "../lib/multiboot.inc"
%include "../lib/start.inc"
%include "../lib/paging-on.inc"

main:
	call load_gdt
	call build_idt
	lidt [idt_descriptor]
	call build_tables
	PAGING_ON
	mov esi, msg_on
	call print

	xor ebp, ebp
	mov ecx, PASSES
table_pass:
	mov eax, ecx
	and eax, 3
	shl eax, 12
	add eax, FRAMES | 3
page_table_store:
	mov [PAGE_TABLE + (TEST_PAGE >> 12) * 4], eax
	invlpg [TEST_PAGE]
	add ebp, [TEST_PAGE]
	rol ebp, 1
	inc dword [TEST_PAGE + 4]	; a count in each frame
	loop table_pass
	mov eax, ebp
	mov esi, msg_table
	call print_hex32_line

	xor ebp, ebp
	mov ecx, PASSES
directory_pass:
	mov eax, ecx
	and eax, 3
	shl eax, 12
	add eax, HIGH_TABLES | 3
page_directory_store:
	mov [PAGE_DIR + (HIGH_PAGE >> 22) * 4], eax
	invlpg [HIGH_PAGE]
	add ebp, [HIGH_PAGE + 4]		; the frame's count so far
	rol ebp, 1
	add dword [HIGH_PAGE + 4], 0x10000
	loop directory_pass
	mov eax, ebp
	mov esi, msg_directory
	call print_hex32_line

	xor ebx, ebx
.counts:
	mov eax, ebx
	shl eax, 12
	mov eax, [FRAMES + eax + 4]
	mov esi, msg_count
	call print_hex32_line
	inc ebx
	cmp ebx, 4
	jb .counts
	mov esi, msg_done
	call print
	xor al, al
	jmp exit

; Identity-map 0-4 MiB; frame n holds 0x1000 * (n + 1) + 0xA0 and a zero count;
; high table n maps HIGH_PAGE to frame n.
build_tables:
	call build_identity_map
	mov edi, HIGH_TABLES
	xor eax, eax
	mov ecx, 4 * 1024
	rep stosd
	xor ebx, ebx
.frame:
	mov edx, ebx
	shl edx, 12
	lea eax, [edx + 0x10A0]
	mov [FRAMES + edx], eax
	mov dword [FRAMES + edx + 4], 0
	lea eax, [FRAMES + edx + 3]
	mov [HIGH_TABLES + edx], eax
	inc ebx
	cmp ebx, 4
	jb .frame
	ret

%include "../lib/kernel.inc"
%include "../lib/identity-map.inc"
%include "../lib/flat-gdt.inc"

msg_on:		db "pte-store-loop: paging on", 10, 0
msg_table:	db "pte-store-loop: page-table loop checksum ", 0
msg_directory:	db "pte-store-loop: page-directory loop checksum ", 0
msg_count:	db "pte-store-loop: a frame's count ", 0
msg_done:	db "pte-store-loop: done", 10, 0

image_end:
