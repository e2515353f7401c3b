; pte-alias.asm - a kernel that edits its page tables through their own mappings.
;
; The page table of 0-4 MiB is mapped writable at PT_ALIAS (its own last entry
; points at it), and the page directory is its own entry 1, so 0x00400000 +
; n * 0x1000 shows page table n (RECURSIVE) and RECURSIVE + 0x1000 the
; directory itself. Every mapping below is made by storing through one of
; those aliases, in every width a kernel uses: dword, word, a dword straddling
; two entries, xchg, rep stosd. Each new mapping is then used after INVLPG or a
; CR3 reload, or without either where the entry was not present before (the
; CPU caches no not-present entry). A monitor tracing guest page tables sees
; each store as the guest's page-table write, whatever linear page it came
; through, and one alias is itself remapped to another table.

bits 32
org 0x100000

PAGE_DIR	equ 0x00200000
PAGE_TABLE	equ 0x00201000	; 0-4 MiB
TABLE_2		equ 0x00202000	; 8-12 MiB, installed through the recursive alias
FRAME_1		equ 0x00390000
FRAME_2		equ 0x00391000
FRAME_3		equ 0x00392000
FRAME_4		equ 0x00393000
TEST_PAGE	equ 0x00380000	; remapped over and over
SECOND_PAGE	equ 0x00381000	; not present at first
BATCH		equ 0x00382000	; 14 pages remapped by one rep stosd and a loop
BATCH_PAGES	equ 14
HIGH_PAGE	equ 0x00800000	; through TABLE_2
PT_ALIAS	equ 0x003FF000	; PAGE_TABLE, through its own last entry
RECURSIVE	equ 0x00400000	; page table n at RECURSIVE + n * 0x1000
DIR_ALIAS	equ RECURSIVE + 0x1000

%define SLOT(linear) (((linear) >> 12) & 0x3FF) * 4

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

	; Through the page table's own mapping, then through the recursive slot.
	mov dword [PT_ALIAS + SLOT(TEST_PAGE)], FRAME_1 | 3
	invlpg [TEST_PAGE]
	mov eax, [TEST_PAGE]
	mov esi, msg_alias
	call print_hex32_line
	mov dword [RECURSIVE + SLOT(TEST_PAGE)], FRAME_2 | 3
	invlpg [TEST_PAGE]
	mov eax, [TEST_PAGE]
	mov esi, msg_recursive
	call print_hex32_line
	mov eax, [PT_ALIAS + SLOT(TEST_PAGE)]	; the same entry three ways, A set by the read
	cmp eax, [RECURSIVE + SLOT(TEST_PAGE)]
	jne fail
	cmp eax, [PAGE_TABLE + SLOT(TEST_PAGE)]
	jne fail
	mov esi, msg_entry
	call print_hex32_line

	; An entry that was not present needs no INVLPG.
	mov dword [RECURSIVE + SLOT(SECOND_PAGE)], FRAME_3 | 3
	mov eax, [SECOND_PAGE]
	mov esi, msg_not_present
	call print_hex32_line

	; A word store, then a dword straddling two entries: TEST_PAGE -> FRAME_4,
	; SECOND_PAGE -> FRAME_1.
	mov word [PT_ALIAS + SLOT(TEST_PAGE)], (FRAME_4 & 0xFFFF) | 3
	mov dword [PT_ALIAS + SLOT(TEST_PAGE) + 2], ((FRAME_1 & 0xFFFF) | 3) << 16 | (FRAME_4 >> 16)
	invlpg [TEST_PAGE]
	invlpg [SECOND_PAGE]
	mov eax, [TEST_PAGE]
	mov esi, msg_word
	call print_hex32_line
	mov eax, [SECOND_PAGE]
	mov esi, msg_straddle
	call print_hex32_line

	; xchg (a locked read-modify-write) cycling TEST_PAGE over the four frames.
	xor ebp, ebp
	mov ecx, 64
.cycle:
	mov eax, ecx
	and eax, 3
	shl eax, 12
	add eax, FRAME_1 | 3
	xchg [RECURSIVE + SLOT(TEST_PAGE)], eax
	invlpg [TEST_PAGE]
	add ebp, [TEST_PAGE]
	rol ebp, 3
	xor ebp, eax			; the old entry, as xchg returned it
	loop .cycle
	mov eax, ebp
	mov esi, msg_xchg
	call print_hex32_line

	; rep stosd clears a run of entries; a CR3 reload drops what the TLB held;
	; then each is set again, from not present, to a frame of its own.
	mov edi, PT_ALIAS + SLOT(BATCH)
	xor eax, eax
	mov ecx, BATCH_PAGES
	rep stosd
	mov eax, cr3
	mov cr3, eax
	xor ebx, ebx
	xor ebp, ebp
.batch:
	mov eax, ebx
	and eax, 3
	shl eax, 12
	add eax, FRAME_1 | 3
	mov [RECURSIVE + SLOT(BATCH) + ebx * 4], eax
	mov eax, ebx
	shl eax, 12
	add ebp, [BATCH + eax]
	rol ebp, 7
	inc ebx
	cmp ebx, BATCH_PAGES
	jb .batch
	mov eax, ebp
	mov esi, msg_batch
	call print_hex32_line

	; A directory entry through the directory's own alias (it was not present).
	mov dword [DIR_ALIAS + (HIGH_PAGE >> 22) * 4], TABLE_2 | 3
	mov eax, [HIGH_PAGE]
	mov esi, msg_directory
	call print_hex32_line
	; The new table shows up in the recursive window at once: edit it there.
	mov dword [RECURSIVE + (HIGH_PAGE >> 22) * 0x1000], FRAME_3 | 3
	invlpg [HIGH_PAGE]
	mov eax, [HIGH_PAGE]
	mov esi, msg_new_table
	call print_hex32_line

	; Move PT_ALIAS itself onto TABLE_2 and edit TABLE_2 through it; then put
	; it back through the recursive slot.
	mov dword [RECURSIVE + SLOT(PT_ALIAS)], TABLE_2 | 3
	invlpg [PT_ALIAS]
	mov dword [PT_ALIAS + SLOT(HIGH_PAGE)], FRAME_2 | 3
	invlpg [HIGH_PAGE]
	mov eax, [HIGH_PAGE]
	mov esi, msg_moved_alias
	call print_hex32_line
	mov dword [RECURSIVE + SLOT(PT_ALIAS)], PAGE_TABLE | 3
	invlpg [PT_ALIAS]
	mov eax, [PT_ALIAS + SLOT(PT_ALIAS)]
	and eax, ~0xFFF
	mov esi, msg_restored
	call print_hex32_line

	; What the tables hold now, through the identity map.
	mov eax, [PAGE_TABLE + SLOT(TEST_PAGE)]
	mov esi, msg_final_test
	call print_hex32_line
	mov eax, [TABLE_2]
	mov esi, msg_final_high
	call print_hex32_line
	mov esi, msg_done
	call print
	xor al, al
	jmp exit

fail:
	mov esi, msg_fail
	call print
	mov al, 1
	jmp exit

; The identity map of 0-4 MiB minus SECOND_PAGE, with PT_ALIAS on the table
; itself and directory entry 1 on the directory; four frames with their own
; values; TABLE_2 empty but for HIGH_PAGE -> FRAME_1.
build_tables:
	call build_identity_map
	mov edi, TABLE_2
	xor eax, eax
	mov ecx, 1024
	rep stosd
	mov dword [PAGE_DIR + 4], PAGE_DIR | 3
	mov dword [TABLE_2], FRAME_1 | 3
	mov dword [PAGE_TABLE + SLOT(SECOND_PAGE)], 0
	mov dword [PAGE_TABLE + SLOT(PT_ALIAS)], PAGE_TABLE | 3
	mov dword [FRAME_1], 0x11111111
	mov dword [FRAME_2], 0x22222222
	mov dword [FRAME_3], 0x33333333
	mov dword [FRAME_4], 0x44444444
	ret

%include "../lib/kernel.inc"
%include "../lib/identity-map.inc"
%include "../lib/flat-gdt.inc"

msg_on:			db "pte-alias: paging on, page table at 0x003ff000, recursive slot at 0x00400000", 10, 0
msg_alias:		db "pte-alias: mapped through the table's alias: ", 0
msg_recursive:		db "pte-alias: mapped through the recursive slot: ", 0
msg_entry:		db "pte-alias: the entry, read three ways: ", 0
msg_not_present:	db "pte-alias: a not-present entry filled, no invlpg: ", 0
msg_word:		db "pte-alias: after a word store: ", 0
msg_straddle:		db "pte-alias: after a dword store across two entries: ", 0
msg_xchg:		db "pte-alias: xchg cycle checksum ", 0
msg_batch:		db "pte-alias: rep stosd batch checksum ", 0
msg_directory:		db "pte-alias: a directory entry through the directory's alias: ", 0
msg_new_table:		db "pte-alias: the new table, edited through the recursive slot: ", 0
msg_moved_alias:	db "pte-alias: the alias moved to the new table, edited there: ", 0
msg_restored:		db "pte-alias: the alias put back onto ", 0
msg_final_test:		db "pte-alias: final entry of the test page ", 0
msg_final_high:		db "pte-alias: final entry of the high page ", 0
msg_done:		db "pte-alias: done", 10, 0
msg_fail:		db "pte-alias: the aliases disagree: FAIL", 10, 0

image_end:
