; uncuttable-segments.asm - ring-0 data segments that reach the top 4 MiB in
; ways a shorter limit cannot undo: an expand-down segment (its valid offsets
; run from above its limit up to 4 GiB) and a segment based in the top 4 MiB.
;
; With paging on and nothing mapped in the top 4 MiB, a read there through
; either is the kernel's own #PF (CR2 the address); a read the expand-down
; segment allows elsewhere returns the kernel's data. A monitor whose tables
; live in the top slot must keep them out of reach through these segments too.
; (No probe at or below the expand-down limit: QEMU, the reference, does not
; check data segment limits.)

bits 32
org 0x100000

PAGE_DIR	equ 0x00200000
PAGE_TABLE	equ 0x00201000	; 0-4 MiB, identity
DATA		equ 0x00300000
TOP		equ 0xFFC00000

EXPAND_DOWN	equ 0x18	; base 0, valid offsets 0x00200000..0xFFFFFFFF
IN_TOP_SLOT	equ 0x20	; base TOP, limit 0xFFFFF, expand-up

%include "../lib/multiboot.inc"
%include "../lib/start.inc"
%include "../lib/paging-on.inc"
%include "../lib/paged-kernel.inc"
%include "../lib/fault-probe.inc"

main:
	PAGED_KERNEL probe_page_fault
	mov dword [DATA], 0xda7a0001
	mov ax, EXPAND_DOWN
	mov es, ax
	mov eax, [es:DATA]
	mov esi, msg_down_data
	call print_hex32_line
	PROBE mov eax, [es:TOP + 0x20]
	mov ax, IN_TOP_SLOT
	mov fs, ax
	PROBE mov eax, [fs:0x30]
	mov ax, 0x10
	mov es, ax
	mov fs, ax
	xor al, al
	jmp exit

%include "../lib/kernel.inc"
%include "../lib/identity-map.inc"

GDT_HEAD
	dq 0x00C09700000001FF		; 0x18 expand-down data, limit 0x1FF pages, accessed
	dw 0xFFFF, TOP & 0xFFFF		; 0x20 data at TOP, limit 0xFFFFF bytes, accessed
	db (TOP >> 16) & 0xFF, 0x93, 0x4F, TOP >> 24
GDT_DESCRIPTOR

probe_name:	db "uncuttable-segments: ", 0
msg_down_data:	db "uncuttable-segments: expand-down read of the kernel's data ", 0

image_end:
