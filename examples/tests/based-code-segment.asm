; based-code-segment.asm - ring-0 code running in a code segment whose base is
; not 0, as in kernels that put their segments at a base of their own.
;
; The kernel far-jumps into a copy of the flat code seen through a segment
; based at 0x1000 (so offsets there are 0x1000 lower), takes INT3 there (the
; handler is in the flat segment and IRETs back into the based one), pushes
; CS, makes a near call and far-jumps back. It prints what it saw.

bits 32
org 0x100000

BASED_CS	equ 0x18	; ring-0 code, base 0x1000, 4 GiB
SHIFT		equ 0x1000

%include "../lib/multiboot.inc"
%include "../lib/start.inc"

main:
	call load_gdt
	call build_idt
	mov eax, breakpoint
	mov ecx, 3
	call set_gate
	lidt [idt_descriptor]
	xor ebx, ebx
	jmp BASED_CS:(based - SHIFT)
back:
	mov esi, msg_ebx
	call print_hex32_line		; EAX from the based code
	mov eax, ebx
	mov esi, msg_cs
	call print_hex32_line
	xor al, al
	jmp exit

; Runs through BASED_CS: relative branches work as written, absolute targets are offsets in it.
based:
	mov eax, 0x1000
	int3				; the handler adds 0x10
	call twice			; relative: lands at twice - SHIFT in this segment
	push cs
	pop ebx
	jmp 0x08:back

twice:
	add eax, eax
	ret

breakpoint:
	add eax, 0x10
	iretd

%include "../lib/kernel.inc"

GDT_HEAD
	dq 0x00CF9B001000FFFF		; 0x18 ring-0 code, base 0x1000
GDT_DESCRIPTOR

msg_ebx:	db "based-code-segment: EAX after int3 and the call ", 0
msg_cs:		db "based-code-segment: CS pushed in the based segment ", 0

image_end:
