; ldt.asm - a ring-0 kernel that loads data segments from its own LDT.
;
; The LDT holds a flat ring-0 data segment, a flat ring-3 data segment and a
; small ring-0 segment never loaded before (accessed bit clear). The kernel
; loads each into ES, reads and writes through it, reads the accessed bits
; back from its LDT, and moves the small segment by a store to its LDT. With paging on and nothing mapped at the top 4 MiB,
; a read there through the flat ring-3 LDT segment is the kernel's own #PF
; (CR2 the address): a monitor whose tables live there must not let the guest
; reach them through an LDT segment any more than through a GDT one.

bits 32
org 0x100000

PAGE_DIR	equ 0x00200000
PAGE_TABLE	equ 0x00201000	; 0-4 MiB, identity
DATA		equ 0x00300000
TOP		equ 0xFFC00000	; the top slot: not mapped by this guest

%include "../lib/multiboot.inc"
%include "../lib/start.inc"
%include "../lib/paging-on.inc"
%include "../lib/paged-kernel.inc"
%include "../lib/fault-probe.inc"

LDT_SELECTOR	equ 0x18
FLAT_RING0	equ 0x04 | 0	; LDT entry 0
FLAT_RING3	equ 0x0C | 3	; LDT entry 1, RPL 3
SMALL_RING0	equ 0x14 | 0	; LDT entry 2: base DATA, limit 0xFFF, accessed bit clear

main:
	PAGED_KERNEL probe_page_fault
	mov ax, LDT_SELECTOR
	lldt ax
	xor eax, eax
	sldt ax
	mov esi, msg_sldt
	call print_hex32_line

	mov dword [DATA + 0x10], 0x1234abcd
	mov ax, FLAT_RING0
	mov es, ax
	mov eax, [es:DATA + 0x10]
	mov esi, msg_flat0
	call print_hex32_line

	mov ax, SMALL_RING0
	mov es, ax
	mov eax, [es:0x10]
	add dword [es:0x14], 5
	mov esi, msg_small
	call print_hex32_line
	mov eax, [ldt + 2 * 8 + 4]
	mov esi, msg_small_high
	call print_hex32_line
	; The kernel moves the small segment 0x10 bytes up in its LDT, then reloads ES from it.
	add word [ldt + 2 * 8 + 2], 0x10
	mov ax, SMALL_RING0
	mov es, ax
	mov eax, [es:0]
	mov esi, msg_moved
	call print_hex32_line

	mov ax, FLAT_RING3
	mov es, ax
	mov eax, [es:DATA + 0x14]
	mov esi, msg_flat3
	call print_hex32_line
	PROBE mov eax, [es:TOP + 0x10]	; the top 4 MiB through it: the kernel's #PF

	mov eax, [ldt + 4]
	mov esi, msg_flat0_high
	call print_hex32_line
	mov eax, [ldt + 8 + 4]
	mov esi, msg_flat3_high
	call print_hex32_line
	mov ax, 0x10
	mov es, ax
	xor al, al
	jmp exit

%include "../lib/kernel.inc"
%include "../lib/identity-map.inc"

GDT_HEAD
	dw ldt_end - ldt - 1		; 0x18 the LDT
	dw ldt - 0x100000
	db 0x10, 0x82, 0x00, 0x00	; base 0x10xxxx, present, DPL 0, type 2 (LDT)
GDT_DESCRIPTOR

align 8
ldt:
	dq 0x00CF93000000FFFF		; flat ring-0 data, accessed
	dq 0x00CFF3000000FFFF		; flat ring-3 data, accessed
	dw 0x0FFF			; small ring-0 data: limit 0xFFF
	dw DATA & 0xFFFF
	db (DATA >> 16) & 0xFF, 0x92, 0x40, DATA >> 24	; present, DPL 0, writable, not accessed
ldt_end:

probe_name:	db "ldt: ", 0
msg_sldt:	db "ldt: sldt ", 0
msg_flat0:	db "ldt: read through the flat ring-0 LDT segment ", 0
msg_small:	db "ldt: read through the small LDT segment ", 0
msg_small_high:	db "ldt: small segment's descriptor, high word, after its first load ", 0
msg_moved:	db "ldt: read at 0 of the small segment after the kernel moved it ", 0
msg_flat3:	db "ldt: read through the flat ring-3 LDT segment ", 0
msg_flat0_high:	db "ldt: flat ring-0 descriptor, high word ", 0
msg_flat3_high:	db "ldt: flat ring-3 descriptor, high word ", 0

image_end:
