; pte-page-rights.asm - stores to the guest's own page table through mappings
; of it with different rights, at ring 0 with CR0.WP set.
;
; The page table is mapped three more times: at CLEAN_ALIAS (writable, its
; entry not yet dirty), at READ_ONLY_ALIAS (read-only) and at DIRTY_ALIAS
; (writable, dirty). A monitor that traces the page table must still set the
; dirty bit of CLEAN_ALIAS's entry on the first store through it, refuse the
; store through READ_ONLY_ALIAS with the guest's own #PF (error code 3, CR2 the
; address), and let every store through DIRTY_ALIAS remap TEST_PAGE.

bits 32
org 0x100000

PAGE_DIR	equ 0x00200000
PAGE_TABLE	equ 0x00201000	; 0-4 MiB, identity
FRAMES		equ 0x00300000	; two frames with their own values
TEST_PAGE	equ 0x00380000	; remapped through the aliases
CLEAN_ALIAS	equ 0x00390000
READ_ONLY_ALIAS	equ 0x00391000
DIRTY_ALIAS	equ 0x00392000
TEST_INDEX	equ (TEST_PAGE >> 12) * 4
PASSES		equ 100

%include "../lib/multiboot.inc"
%include "../lib/start.inc"
%include "../lib/paging-on.inc"
%include "../lib/paged-kernel.inc"
%include "../lib/fault-probe.inc"

main:
	PAGED_KERNEL probe_page_fault
	call map_aliases
	mov eax, cr0
	or eax, 0x10000			; CR0.WP: ring 0 honours read-only pages too
	mov cr0, eax

	; Read through the clean alias first: its translation is then cached without the right to store.
	mov eax, [CLEAN_ALIAS + TEST_INDEX]
	mov eax, [PAGE_TABLE + (CLEAN_ALIAS >> 12) * 4]
	mov esi, msg_clean_before
	call print_hex32_line
	mov dword [CLEAN_ALIAS + TEST_INDEX], FRAMES + 0x1000 + 3
	invlpg [TEST_PAGE]
	mov eax, [PAGE_TABLE + (CLEAN_ALIAS >> 12) * 4]
	mov esi, msg_clean_after
	call print_hex32_line
	mov eax, [TEST_PAGE]
	mov esi, msg_test_page
	call print_hex32_line

	; A store through the read-only alias: the guest's #PF (error code 3), and nothing stored.
	PROBE mov dword [READ_ONLY_ALIAS + TEST_INDEX], FRAMES + 3
	mov eax, [PAGE_TABLE + TEST_INDEX]
	mov esi, msg_entry
	call print_hex32_line

	; Stores through the dirty alias, each remapping TEST_PAGE to the other frame.
	xor ebp, ebp
	mov ecx, PASSES
.pass:
	mov eax, ecx
	and eax, 1
	shl eax, 12
	add eax, FRAMES + 3
	mov [DIRTY_ALIAS + TEST_INDEX], eax
	invlpg [TEST_PAGE]
	add ebp, [TEST_PAGE]
	rol ebp, 1
	loop .pass
	mov eax, ebp
	mov esi, msg_checksum
	call print_hex32_line
	mov eax, [probe_faults]
	mov esi, msg_faults
	call print_hex32_line
	xor al, al
	jmp exit

; The aliases map the page table (none was used before, so no TLB holds them); frame n holds 0x1000 * (n + 1) + 0xB0.
map_aliases:
	mov dword [PAGE_TABLE + (CLEAN_ALIAS >> 12) * 4], PAGE_TABLE | 3		; writable, not dirty
	mov dword [PAGE_TABLE + (READ_ONLY_ALIAS >> 12) * 4], PAGE_TABLE | 0x41	; read-only, dirty
	mov dword [PAGE_TABLE + (DIRTY_ALIAS >> 12) * 4], PAGE_TABLE | 0x43	; writable, dirty
	mov dword [FRAMES], 0x10B0
	mov dword [FRAMES + 0x1000], 0x20B0
	ret

%include "../lib/kernel.inc"
%include "../lib/identity-map.inc"
%include "../lib/flat-gdt.inc"

probe_name:		db "pte-page-rights: ", 0
msg_clean_before:	db "pte-page-rights: clean alias entry before the store ", 0
msg_clean_after:	db "pte-page-rights: clean alias entry after the store ", 0
msg_test_page:		db "pte-page-rights: test page reads ", 0
msg_entry:		db "pte-page-rights: test page entry afterwards ", 0
msg_checksum:		db "pte-page-rights: dirty alias loop checksum ", 0
msg_faults:		db "pte-page-rights: page faults taken ", 0

image_end:
