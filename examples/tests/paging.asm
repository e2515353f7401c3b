; paging.asm - paging with a higher-half alias, and a page-fault handler that maps on demand.
;
; The page table that identity-maps 0-4 MiB is also installed at directory entry
; 768, so 0xC0000000 + x reaches physical x: the kernel reads data and runs code
; through that higher-half alias. Then it writes to DEMAND_PAGE, whose directory
; entry is empty; the #PF handler builds a page table for it, maps a fresh frame,
; and returns, so the write runs again and succeeds.

bits 32
org 0x100000

PAGE_DIR	equ 0x00200000
PAGE_TABLE	equ 0x00201000	; 0-4 MiB, also seen at 0xC0000000
DEMAND_TABLE	equ 0x00202000	; built by the page-fault handler
DEMAND_FRAME	equ 0x00310000	; the frame it maps
SHARED_DATA	equ 0x00300000	; written low, read through the higher half
HIGHER_HALF	equ 0xC0000000
DEMAND_PAGE	equ 0xD0000000

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
	mov dword [PAGE_DIR + (HIGHER_HALF >> 22) * 4], PAGE_TABLE | 3
	PAGING_ON
	mov esi, msg_on
	call print

	mov dword [SHARED_DATA], 0xCAFEF00D
	mov eax, [HIGHER_HALF + SHARED_DATA]
	mov esi, msg_alias
	call print_hex32_line

	mov eax, HIGHER_HALF + in_higher_half
	jmp eax				; run the same bytes through the alias
in_higher_half:
	call .where
.where:
	pop eax				; EIP, as the CPU sees it
	sub eax, .where			; minus where the code was linked: the alias offset
	mov esi, msg_high_eip
	call print_hex32_line
	mov eax, back_low		; an absolute address: back to the identity map
	jmp eax
back_low:

	mov dword [DEMAND_PAGE + 0x10], 0x600DF00D	; #PF: the handler maps it
	mov eax, [DEMAND_FRAME + 0x10]	; the same dword through the identity map
	mov esi, msg_demand
	call print_hex32_line
	xor al, al
	jmp exit

; #PF: only DEMAND_PAGE is expected. Give its 4 MiB a page table and map the page.
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
	mov edi, DEMAND_TABLE
	xor eax, eax
	mov ecx, 1024
	rep stosd
	mov dword [DEMAND_TABLE + ((DEMAND_PAGE >> 12) & 0x3FF) * 4], DEMAND_FRAME | 3
	mov dword [PAGE_DIR + (DEMAND_PAGE >> 22) * 4], DEMAND_TABLE | 3
	invlpg [ebx]			; not-present entries are not cached, but be exact
	popad
	add esp, 4			; the error code
	iretd

%include "../lib/identity-map.inc"
%include "../lib/kernel.inc"
%include "../lib/flat-gdt.inc"

msg_on:		db "paging: on, 0-4 MiB identity-mapped and aliased at 0xc0000000", 10, 0
msg_alias:	db "paging: wrote 0xcafef00d at 0x00300000, read at 0xc0300000: ", 0
msg_high_eip:	db "paging: running in the higher half, eip - link address=", 0
msg_pf_cr2:	db "#PF: cr2=", 0
msg_pf_error:	db "#PF: error code=", 0
msg_demand:	db "paging: demand-mapped page holds ", 0

image_end:
