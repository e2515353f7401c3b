; address-spaces.asm - six address spaces, one linear page, many CR3 switches.
;
; Every space maps 0-4 MiB identically (one shared page table) and gives the
; linear page at 0x00400000 its own frame; the page after it, 0x00401000, shows
; the next space's frame. A monitor that keeps shadows for fewer spaces than
; the guest switches between must rebuild them without mixing them up. Each
; visit reads both pages, bumps a counter in its own frame and adds to the next
; space's frame through the second page. Then, with another space active, it
; edits a page table and a page directory of spaces it will switch to later:
; a CR3 load flushes every translation, so the new mappings must show.

bits 32
org 0x100000

SPACES		equ 6
PAGE_TABLE	equ 0x00200000	; identity map of 0-4 MiB, shared by every space
DIRECTORIES	equ 0x00210000	; space i: page directory at DIRECTORIES + i * 0x1000
PAGE_DIR	equ DIRECTORIES	; the directory identity-map.inc fills
TABLES		equ 0x00220000	; space i: page table for 4-8 MiB
FRAMES		equ 0x00230000	; space i: its own frame
OWN_PAGE	equ 0x00400000	; linear: this space's frame
NEXT_PAGE	equ 0x00401000	; linear: the next space's frame
ROUNDS		equ 40

%include "../lib/multiboot.inc"
%include "../lib/start.inc"

main:
	call load_gdt
	call build_idt
	lidt [idt_descriptor]
	call build_spaces
	mov eax, DIRECTORIES
	mov cr3, eax
	mov eax, cr0
	or eax, 0x80000000		; CR0.PG
	mov cr0, eax
	mov esi, msg_on
	call print

	; Round robin: every switch goes to the space used longest ago.
	xor ebp, ebp			; checksum of everything read
	mov ecx, ROUNDS
.round:
	xor ebx, ebx
.space:
	call visit
	inc ebx
	cmp ebx, SPACES
	jb .space
	loop .round
	mov eax, ebp
	mov esi, msg_round_robin
	call print_hex32_line

	; Space 0 between every other one: one space stays hot while the rest churn.
	xor ebp, ebp
	mov ecx, ROUNDS
.hot_round:
	mov ebx, 1
.hot_space:
	push ebx
	xor ebx, ebx
	call visit
	pop ebx
	call visit
	inc ebx
	cmp ebx, SPACES
	jb .hot_space
	loop .hot_round
	mov eax, ebp
	mov esi, msg_hot
	call print_hex32_line

	; What each space's own page holds, read in that space.
	xor ebx, ebx
.show:
	call switch_to
	mov eax, ebx
	add al, '0'
	mov [msg_frame_digit], al
	mov eax, [OWN_PAGE]
	mov esi, msg_frame
	call print_hex32_line
	inc ebx
	cmp ebx, SPACES
	jb .show

	; From space 0, remap space 3's own page to frame 5 through its page table,
	; and point space 4's 4-8 MiB at space 2's page table through its directory.
	xor ebx, ebx
	call switch_to
	mov dword [TABLES + 3 * 0x1000], (FRAMES + 5 * 0x1000) | 3
	mov dword [DIRECTORIES + 4 * 0x1000 + 4], (TABLES + 2 * 0x1000) | 3
	mov ebx, 3
	call switch_to
	mov eax, [OWN_PAGE]
	mov esi, msg_remapped_table
	call print_hex32_line
	mov ebx, 4
	call switch_to
	mov eax, [OWN_PAGE]
	mov esi, msg_remapped_directory
	call print_hex32_line
	mov eax, [NEXT_PAGE]		; space 2's second page: frame 3
	mov esi, msg_remapped_next
	call print_hex32_line

	; Check every read above against the frames, through the identity map.
	mov eax, [FRAMES + 5 * 0x1000]
	mov ebx, 3
	call switch_to
	cmp eax, [OWN_PAGE]
	jne fail
	mov eax, [FRAMES + 2 * 0x1000]
	mov ebx, 4
	call switch_to
	cmp eax, [OWN_PAGE]
	jne fail
	mov esi, msg_done
	call print
	xor al, al
	jmp exit

fail:
	mov esi, msg_fail
	call print
	mov al, 1
	jmp exit

; visit: switch to space EBX, check its own page holds what the frame holds,
; fold both pages into the checksum EBP, and update both frames.
visit:
	call switch_to
	mov eax, [OWN_PAGE]
	mov edx, ebx
	shl edx, 12
	cmp eax, [FRAMES + edx]		; the same frame through the identity map
	jne fail
	add ebp, eax
	rol ebp, 5
	xor ebp, [NEXT_PAGE]
	inc dword [OWN_PAGE]
	add dword [NEXT_PAGE], 0x100
	ret

; switch_to: CR3 := the directory of space EBX.
switch_to:
	push eax
	mov eax, ebx
	shl eax, 12
	add eax, DIRECTORIES
	mov cr3, eax
	pop eax
	ret

; build_spaces: the shared identity table; for each space a directory, a
; 4-8 MiB table mapping its own frame and the next one's, and a seeded frame.
build_spaces:
	call build_identity_map
	xor ebx, ebx
.each:
	mov edx, ebx
	shl edx, 12
	lea edi, [DIRECTORIES + edx]
	xor eax, eax
	mov ecx, 1024
	rep stosd
	mov dword [DIRECTORIES + edx], PAGE_TABLE | 3
	lea eax, [TABLES + edx + 3]
	mov [DIRECTORIES + edx + 4], eax
	lea edi, [TABLES + edx]
	xor eax, eax
	mov ecx, 1024
	rep stosd
	lea eax, [FRAMES + edx + 3]
	mov [TABLES + edx], eax
	lea eax, [ebx + 1]
	cmp eax, SPACES
	jb .next_ok
	xor eax, eax
.next_ok:
	shl eax, 12
	add eax, FRAMES + 3
	mov [TABLES + edx + 4], eax
	mov eax, ebx
	imul eax, eax, 0x01010101
	xor eax, 0x5A000000
	mov [FRAMES + edx], eax
	inc ebx
	cmp ebx, SPACES
	jb .each
	ret

%include "../lib/kernel.inc"
%include "../lib/identity-map.inc"
%include "../lib/flat-gdt.inc"

msg_on:			db "address-spaces: paging on, 6 spaces", 10, 0
msg_round_robin:	db "address-spaces: round-robin checksum ", 0
msg_hot:		db "address-spaces: hot-space checksum ", 0
msg_frame:		db "address-spaces: own page of space "
msg_frame_digit:	db "0: ", 0
msg_remapped_table:	db "address-spaces: space 3 after its page table was edited from space 0: ", 0
msg_remapped_directory:	db "address-spaces: space 4 after its directory was edited from space 0: ", 0
msg_remapped_next:	db "address-spaces: space 4, next page: ", 0
msg_done:		db "address-spaces: every read matched its space", 10, 0
msg_fail:		db "address-spaces: a read did not match its space: FAIL", 10, 0

image_end:
