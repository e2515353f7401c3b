; unmapped-tss.asm - a ring-0 kernel whose TSS sits where its page tables map
; nothing, and whose GDT it then loads again.
;
; LTR reads only the TSS descriptor, and no ring change ever needs the TSS's
; stack, so on the bare machine nothing faults. A monitor that copies the
; guest's ring-0 stack out of the TSS whenever it rebuilds its shadow tables
; must not turn that into a fault of its own.

bits 32
org 0x100000

PAGE_DIR	equ 0x00200000
PAGE_TABLE	equ 0x00201000	; 0-4 MiB, identity
TSS_BASE	equ 0x00800000	; not mapped

%include "../lib/multiboot.inc"
%include "../lib/start.inc"
%include "../lib/paging-on.inc"
%include "../lib/paged-kernel.inc"
%include "../lib/fault-probe.inc"

main:
	PAGED_KERNEL probe_page_fault
	PROBE ltr [tss_selector]
	PROBE lgdt [gdt_descriptor]
	str ax
	movzx eax, ax
	mov esi, msg_tr
	call print_hex32_line
	mov eax, [gdt + 0x18 + 4]
	mov esi, msg_busy
	call print_hex32_line
	xor al, al
	jmp exit

%include "../lib/kernel.inc"
%include "../lib/identity-map.inc"

GDT_HEAD
	dw 0x0067, TSS_BASE & 0xFFFF	; 0x18 TSS at TSS_BASE, available
	db (TSS_BASE >> 16) & 0xFF, 0x89, 0x00, TSS_BASE >> 24
GDT_DESCRIPTOR

tss_selector:	dw 0x18
probe_name:	db "unmapped-tss: ", 0
msg_tr:		db "unmapped-tss: str ", 0
msg_busy:	db "unmapped-tss: TSS descriptor, high word ", 0

image_end:
