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

main:
	call load_gdt
	call build_idt
	mov eax, page_fault
	mov ecx, 14
	call set_gate
	lidt [idt_descriptor]
	call build_identity_map
	PAGING_ON
	mov dword [DATA], 0xda7a0001

	mov ax, EXPAND_DOWN
	mov es, ax
	mov eax, [es:DATA]
	mov esi, msg_down_data
	call print_hex32_line
	mov dword [resume], .after_down_top
	mov eax, [es:TOP + 0x20]
.after_down_top:
	call print_fault

	mov ax, IN_TOP_SLOT
	mov fs, ax
	mov dword [resume], .after_slot
	mov eax, [fs:0x30]
.after_slot:
	call print_fault
	mov ax, 0x10
	mov es, ax
	mov fs, ax
	xor al, al
	jmp exit

; The last fault's vector, error code and CR2, then clears them.
print_fault:
	mov eax, [fault_vector]
	mov esi, msg_vector
	call print_hex32_line
	mov eax, [fault_code]
	mov esi, msg_code
	call print_hex32_line
	mov eax, [fault_address]
	mov esi, msg_cr2
	call print_hex32_line
	mov dword [fault_vector], 0
	mov dword [fault_code], 0
	mov dword [fault_address], 0
	ret

page_fault:
	mov dword [fault_vector], 14
	pop dword [fault_code]
	push eax
	mov eax, cr2
	mov [fault_address], eax
	pop eax
	push dword [resume]
	pop dword [esp]			; the frame's EIP: resume where the kernel said
	iretd

%include "../lib/kernel.inc"
%include "../lib/identity-map.inc"

align 8
gdt:
	dq 0
	dq 0x00CF9B000000FFFF		; 0x08 ring-0 code
	dq 0x00CF93000000FFFF		; 0x10 ring-0 data
	dq 0x00C09700000001FF		; 0x18 expand-down data, limit 0x1FF pages, accessed
	dw 0xFFFF, TOP & 0xFFFF		; 0x20 data at TOP, limit 0xFFFFF bytes, accessed
	db (TOP >> 16) & 0xFF, 0x93, 0x4F, TOP >> 24
gdt_end:
gdt_descriptor:
	dw gdt_end - gdt - 1
	dd gdt

resume:		dd 0
fault_vector:	dd 0
fault_code:	dd 0
fault_address:	dd 0
msg_down_data:	db "uncuttable-segments: expand-down read of the kernel's data ", 0
msg_vector:	db "uncuttable-segments: fault vector ", 0
msg_code:	db "uncuttable-segments: error code ", 0
msg_cr2:	db "uncuttable-segments: CR2 ", 0

image_end:
