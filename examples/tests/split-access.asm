; split-access.asm - loads and stores that straddle two pages, where one of
; the pages faults.
;
; The twelve test pages at LINEAR map frames the kernel also sees through the
; identity map, each filled with its own byte (0xE0 + n). Each case makes one
; access across a page boundary with the second page (or both) not present or
; read-only. The #PF handler prints the error code, CR2 and what the two
; frames hold next to the boundary at that moment (a faulting store writes
; nothing), then makes the page in CR2 present and writable so the access runs
; again; the kernel prints what ends up there.

bits 32
org 0x100000

PAGE_DIR	equ 0x00200000
PAGE_TABLE	equ 0x00201000	; 0-4 MiB, identity
HIGH_TABLE	equ 0x00202000	; 4-8 MiB: the test pages
LINEAR		equ 0x00600000	; test page n at LINEAR + n * 0x1000
FRAMES		equ 0x003C0000	; its frame at FRAMES + n * 0x1000
PAGES		equ 12

%define PAGE(n) (LINEAR + (n) * 0x1000)
%define FRAME(n) (FRAMES + (n) * 0x1000)
%define ENTRY(n) (HIGH_TABLE + ((LINEAR >> 12) & 0x3FF) * 4 + (n) * 4)

%include "../lib/multiboot.inc"
%include "../lib/start.inc"

main:
	call load_gdt
	call build_idt
	mov ecx, 14
	mov eax, page_fault
	call set_gate
	lidt [idt_descriptor]
	call build_tables
	mov eax, PAGE_DIR
	mov cr3, eax
	mov eax, cr0
	or eax, 0x80010000		; CR0.PG and CR0.WP
	mov cr0, eax

	mov esi, msg_store_ffe
	call print
	mov dword [boundary], 1
	mov dword [PAGE(0) + 0xFFE], 0x44332211
	mov eax, [PAGE(0) + 0xFFE]
	call print_value

	mov esi, msg_store_fff
	call print
	mov dword [boundary], 3
	mov dword [PAGE(2) + 0xFFF], 0x88776655
	mov eax, [PAGE(2) + 0xFFF]
	call print_value

	mov esi, msg_store_word
	call print
	mov dword [boundary], 5
	mov word [PAGE(4) + 0xFFF], 0xBBAA
	movzx eax, word [PAGE(4) + 0xFFF]
	call print_value

	mov esi, msg_load
	call print
	mov dword [boundary], 7
	mov eax, [PAGE(6) + 0xFFE]
	call print_value

	mov esi, msg_store_read_only
	call print
	mov dword [boundary], 9
	mov dword [PAGE(8) + 0xFFE], 0x0DDBA11
	mov eax, [PAGE(8) + 0xFFE]
	call print_value

	mov esi, msg_store_both
	call print
	mov dword [boundary], 11
	mov dword [PAGE(10) + 0xFFE], 0xFEEDFACE
	mov eax, [PAGE(10) + 0xFFE]
	call print_value

	xor al, al
	jmp exit

print_value:
	mov esi, msg_value
	jmp print_hex32_line

; #PF: error code, CR2, the dword before the boundary and the one after it as
; their frames hold them now; then the page in CR2 becomes present and writable.
page_fault:
	pushad
	mov eax, [esp + 32]
	mov esi, msg_error
	call print_hex16_line
	mov eax, cr2
	mov esi, msg_cr2
	call print_hex32_line
	mov ebx, [boundary]
	shl ebx, 12
	mov eax, [FRAMES + ebx - 4]
	mov esi, msg_before
	call print_hex32_line
	mov eax, [FRAMES + ebx]
	mov esi, msg_after
	call print_hex32_line
	mov eax, cr2
	shr eax, 12
	and eax, 0x3FF
	or dword [HIGH_TABLE + eax * 4], 3
	mov eax, cr2
	invlpg [eax]
	popad
	add esp, 4			; the error code
	iretd

; Identity-map 0-4 MiB; test page n -> frame n, each frame filled with 0xE0 + n.
; Pages 1, 3, 5, 7 and 11 are not present, 9 and 10 read-only.
build_tables:
	call build_identity_map
	mov edi, HIGH_TABLE
	xor eax, eax
	mov ecx, 1024
	rep stosd
	mov dword [PAGE_DIR + (LINEAR >> 22) * 4], HIGH_TABLE | 3
	xor ebx, ebx
.page:
	mov eax, ebx
	shl eax, 12
	add eax, FRAMES | 3
	mov [ENTRY(0) + ebx * 4], eax
	lea eax, [ebx + 0xE0]
	imul eax, eax, 0x01010101
	mov edi, ebx
	shl edi, 12
	add edi, FRAMES
	mov ecx, 1024
	rep stosd
	inc ebx
	cmp ebx, PAGES
	jb .page
	and dword [ENTRY(1)], ~1
	and dword [ENTRY(3)], ~1
	and dword [ENTRY(5)], ~1
	and dword [ENTRY(7)], ~1
	and dword [ENTRY(11)], ~1
	and dword [ENTRY(9)], ~2
	and dword [ENTRY(10)], ~2
	ret

%include "../lib/kernel.inc"
%include "../lib/identity-map.inc"
%include "../lib/flat-gdt.inc"

boundary:	dd 0			; the test page the current case's access runs into

msg_store_ffe:		db "dword store at 0xffe, next page not present", 10, 0
msg_store_fff:		db "dword store at 0xfff, next page not present", 10, 0
msg_store_word:		db "word store at 0xfff, next page not present", 10, 0
msg_load:		db "dword load at 0xffe, next page not present", 10, 0
msg_store_read_only:	db "dword store at 0xffe, next page read-only (CR0.WP set)", 10, 0
msg_store_both:		db "dword store at 0xffe, this page read-only, next not present", 10, 0
msg_error:		db "  #PF error=", 0
msg_cr2:		db "  cr2=", 0
msg_before:		db "  frame dword before the boundary ", 0
msg_after:		db "  frame dword after the boundary ", 0
msg_value:		db "  value ", 0

image_end:
