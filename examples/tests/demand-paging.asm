; demand-paging.asm - a ring-0 kernel that maps pages as they are touched, the
; way a kernel pages in on demand.
;
; A window of PAGES pages is unmapped; the loop reads a word from each, and the
; page-fault handler maps the page CR2 names (one store to the page table) and
; returns with IRETD to run the read again. After each pass every page is
; unmapped again (a store and INVLPG per page). A monitor with shadow page
; tables sees a traced page-table store and a reflected fault per page and
; must keep the guest's descriptor tables (which those stores do not touch)
; as they are; the guest sees the same values and fault count on any machine.

bits 32
org 0x100000

PAGE_DIR	equ 0x00200000
PAGE_TABLE	equ 0x00201000	; 0-4 MiB, identity
WINDOW		equ 0x00300000	; PAGES pages, each holding its own value
PAGES		equ 64
%ifndef PASSES
%define PASSES 20
%endif

%define PTE(linear) (PAGE_TABLE + ((linear) >> 12) * 4)

%include "../lib/multiboot.inc"
%include "../lib/start.inc"
%include "../lib/paging-on.inc"
%include "../lib/paged-kernel.inc"

main:
	PAGED_KERNEL demand_fault
	; Each page of the window gets its own value while it is still mapped.
	mov edi, WINDOW
	mov ecx, PAGES
.fill:
	mov eax, edi
	xor eax, 0x5A5A0000
	mov [edi + 0x10], eax
	add edi, 0x1000
	loop .fill
	call unmap_window

	xor ebp, ebp
	mov edx, PASSES
.pass:
	mov edi, WINDOW
	mov ecx, PAGES
.touch:
	add ebp, [edi + 0x10]		; faults, is mapped by the handler, runs again
	rol ebp, 3
	add edi, 0x1000
	loop .touch
	call unmap_window
	dec edx
	jnz .pass

	mov eax, ebp
	mov esi, msg_checksum
	call print_hex32_line
	mov eax, [faults]
	mov esi, msg_faults
	call print_hex32_line
	xor al, al
	cmp dword [faults], PAGES * PASSES
	setne al
	jmp exit

; Every page of the window not present again, its old translation dropped.
unmap_window:
	mov edi, PTE(WINDOW)
	mov esi, WINDOW
	mov ecx, PAGES
.page:
	mov dword [edi], 0
	invlpg [esi]
	add edi, 4
	add esi, 0x1000
	loop .page
	ret

; #PF: maps the page at CR2 (in the identity-mapped first 4 MiB) onto its own frame, writable.
demand_fault:
	push eax
	push ebx
	mov eax, cr2
	and eax, 0xFFFFF000
	mov ebx, eax
	shr ebx, 10			; its entry's offset in PAGE_TABLE
	or eax, 3
	mov [PAGE_TABLE + ebx], eax
	inc dword [faults]
	pop ebx
	pop eax
	add esp, 4			; the error code
	iretd

%include "../lib/kernel.inc"
%include "../lib/identity-map.inc"
%include "../lib/flat-gdt.inc"

faults:		dd 0
msg_checksum:	db "demand-paging: checksum ", 0
msg_faults:	db "demand-paging: page faults ", 0

image_end:
