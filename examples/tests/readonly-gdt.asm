; readonly-gdt.asm - a kernel whose GDT sits in a page its own tables map
; read-only (with CR0.WP set), as kernels that protect their descriptor tables
; do, and which then loads a descriptor whose accessed bit is clear.
;
; Setting the accessed bit is a write the CPU makes to the GDT: through a
; read-only mapping it is the kernel's #PF (error code 3: present, write), at
; the instruction that loads the segment. The handler maps the page writable
; and returns; the load then succeeds and sets the bit.

bits 32
org 0x100000

PAGE_DIR	equ 0x00200000
PAGE_TABLE	equ 0x00201000
FRESH		equ 0x18	; ring-0 data, accessed bit clear

%include "../lib/multiboot.inc"
%include "../lib/start.inc"
%include "../lib/paging-on.inc"

main:
	call load_gdt
	call build_idt
	mov eax, page_fault
	mov ecx, 14
	call set_gate
	lidt [idt_descriptor]
	call build_identity_map
	mov eax, gdt
	shr eax, 12
	and dword [PAGE_TABLE + eax * 4], ~2	; the GDT's page: read-only
	PAGING_ON
	mov eax, cr0
	or eax, 0x10000			; CR0.WP
	mov cr0, eax
	mov ax, FRESH
	mov es, ax			; sets the accessed bit: #PF first
	mov eax, [faults]
	mov esi, msg_faults
	call print_hex32_line
	mov eax, [fault_code]
	mov esi, msg_code
	call print_hex32_line
	mov eax, [fault_address]
	sub eax, gdt
	mov esi, msg_where
	call print_hex32_line
	mov eax, [gdt + FRESH + 4]
	mov esi, msg_high
	call print_hex32_line
	xor al, al
	jmp exit

page_fault:
	pop dword [fault_code]
	push eax
	mov eax, cr2
	mov [fault_address], eax
	shr eax, 12
	or dword [PAGE_TABLE + eax * 4], 2	; writable now
	invlpg [gdt]
	pop eax
	inc dword [faults]
	iretd

%include "../lib/kernel.inc"
%include "../lib/identity-map.inc"

gdt_descriptor:
	dw gdt_end - gdt - 1
	dd gdt
faults:		dd 0
fault_code:	dd 0
fault_address:	dd 0
msg_faults:	db "readonly-gdt: page faults ", 0
msg_code:	db "readonly-gdt: error code ", 0
msg_where:	db "readonly-gdt: CR2 - gdt ", 0
msg_high:	db "readonly-gdt: the descriptor's high word afterwards ", 0

align 4096				; the GDT alone in its page
GDT_HEAD
	dq 0x00CF92000000FFFF		; 0x18 ring-0 data, not accessed
gdt_end:
align 4096

image_end:
