; large-pages.asm - one page-directory entry that is a 4 MiB page, then a page
; table, then a 4 MiB page again, and what CR4.PSE does to its meaning.
;
; Linear 8-12 MiB goes through directory entry 2. It maps a 4 MiB page, moves
; to another, becomes a pointer to a page table, and maps a 4 MiB page again;
; each change is followed by INVLPG of every page the old entry could have
; left in the TLB. Then CR4.PSE is cleared: the same entry, its PS bit now
; ignored, points at a page table, the first frame of the 4 MiB page, whose
; first two dwords were written to be page-table entries. Setting CR4.PSE
; again brings the 4 MiB page back.

bits 32
org 0x100000

PAGE_DIR	equ 0x00200000
PAGE_TABLE	equ 0x00201000	; 0-4 MiB, identity
SMALL_TABLE	equ 0x00202000	; 8-12 MiB in 4 KiB pages
LARGE_A		equ 0x00400000	; a 4 MiB frame (its first page doubles as a page table)
LARGE_B		equ 0x00800000	; another
SMALL_0		equ 0x00300000	; frames SMALL_TABLE maps
SMALL_1		equ 0x00301000
WINDOW		equ 0x00800000	; linear: directory entry 2
PS		equ 0x80

%define PDE(linear) (PAGE_DIR + ((linear) >> 22) * 4)

%include "../lib/multiboot.inc"
%include "../lib/start.inc"
%include "../lib/paging-on.inc"

main:
	call load_gdt
	call build_idt
	lidt [idt_descriptor]
	call build_tables
	mov eax, cr4
	or eax, 0x10			; CR4.PSE
	mov cr4, eax
	PAGING_ON

	mov esi, msg_large_a
	call show_window

	mov dword [PDE(WINDOW)], LARGE_B | PS | 3
	invlpg [WINDOW]			; one entry covers the whole 4 MiB page
	mov esi, msg_large_b
	call show_window

	mov dword [PDE(WINDOW)], SMALL_TABLE | 3
	invlpg [WINDOW]
	mov esi, msg_small
	call show_window

	mov dword [PDE(WINDOW)], LARGE_A | PS | 3
	invlpg [WINDOW]			; the 4 KiB pages the table mapped
	invlpg [WINDOW + 0x1000]
	invlpg [WINDOW + 0x3FF000]
	mov esi, msg_large_again
	call show_window

	mov eax, cr4
	and eax, ~0x10			; PS ignored from now: LARGE_A is a page table
	mov cr4, eax
	mov esi, msg_pse_off
	call show_window

	mov eax, cr4
	or eax, 0x10
	mov cr4, eax
	mov esi, msg_pse_on
	call show_window

	xor al, al
	jmp exit

; show_window: the label at ESI, then the first dword of three pages of the window.
show_window:
	call print
	mov eax, [WINDOW]
	mov esi, msg_page_0
	call print_hex32_line
	mov eax, [WINDOW + 0x1000]
	mov esi, msg_page_1
	call print_hex32_line
	mov eax, [WINDOW + 0x3FF000]
	mov esi, msg_page_last
	call print_hex32_line
	ret

; Identity-map 0-4 MiB; the window starts as LARGE_A. Each frame's first dword
; says which it is; LARGE_A's first two and last double as entries mapping
; SMALL_0, SMALL_1 and SMALL_0.
build_tables:
	call build_identity_map
	mov edi, SMALL_TABLE
	xor eax, eax
	mov ecx, 1024
	rep stosd
	mov dword [PDE(WINDOW)], LARGE_A | PS | 3
	mov dword [SMALL_TABLE], SMALL_0 | 3
	mov dword [SMALL_TABLE + 4], SMALL_1 | 3
	mov dword [SMALL_TABLE + 0x3FF * 4], SMALL_1 | 3
	mov dword [LARGE_A], SMALL_0 | 3
	mov dword [LARGE_A + 4], SMALL_1 | 3
	mov dword [LARGE_A + 0x3FF * 4], SMALL_0 | 3
	mov dword [LARGE_A + 0x1000], 0xA1A1A1A1
	mov dword [LARGE_A + 0x3FF000], 0xAFAFAFAF
	mov dword [LARGE_B], 0xB0B0B0B0
	mov dword [LARGE_B + 0x1000], 0xB1B1B1B1
	mov dword [LARGE_B + 0x3FF000], 0xBFBFBFBF
	mov dword [SMALL_0], 0x50505050
	mov dword [SMALL_1], 0x51515151
	ret

%include "../lib/kernel.inc"
%include "../lib/identity-map.inc"
%include "../lib/flat-gdt.inc"

msg_large_a:	db "window: 4 MiB page at 0x00400000", 10, 0
msg_large_b:	db "window: 4 MiB page at 0x00800000", 10, 0
msg_small:	db "window: a page table", 10, 0
msg_large_again: db "window: 4 MiB page at 0x00400000 again", 10, 0
msg_pse_off:	db "window: CR4.PSE clear, the entry points at a page table", 10, 0
msg_pse_on:	db "window: CR4.PSE set again", 10, 0
msg_page_0:	db "  page 0: ", 0
msg_page_1:	db "  page 1: ", 0
msg_page_last:	db "  page 1023: ", 0

image_end:
