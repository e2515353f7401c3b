; expand-down-stack.asm - a ring-0 kernel running on an expand-down stack
; segment that reaches the top of the address space (base 0, valid offsets
; from 64 KiB up to 4 GiB).
;
; On it the kernel calls, pushes and pops, takes INT3 (its handler runs on the
; same stack) and sums what it popped. A monitor whose region is in the top
; 4 MiB cannot cut such a segment short of it; however it keeps its region
; out of reach, every stack access the kernel makes must still land as on the
; bare machine.

bits 32
org 0x100000

DOWN_STACK	equ 0x18	; expand-down, writable, limit 0xFFFF, big

%include "../lib/multiboot.inc"
%include "../lib/start.inc"

main:
	call load_gdt
	call build_idt
	mov eax, breakpoint
	mov ecx, 3
	call set_gate
	lidt [idt_descriptor]
	mov ax, DOWN_STACK
	mov ss, ax
	mov esp, 0x00080000
	xor ebp, ebp
	mov ecx, 5
.round:
	push ecx
	call twice			; EAX := 2 * ECX
	add ebp, eax
	pop ecx
	int3				; the handler adds 0x100 to EBP
	loop .round
	push dword 0x1234
	pop eax
	add ebp, eax
	mov ax, 0x10
	mov ss, ax
	mov eax, ebp
	mov esi, msg_sum
	call print_hex32_line
	mov eax, esp
	mov esi, msg_esp
	call print_hex32_line
	xor al, al
	jmp exit

twice:
	mov eax, [esp + 4]
	add eax, eax
	ret

breakpoint:
	add ebp, 0x100
	iretd

%include "../lib/kernel.inc"

GDT_HEAD
	dq 0x004097000000FFFF		; 0x18 expand-down stack: limit 0xFFFF (bytes), big, accessed
GDT_DESCRIPTOR

msg_sum:	db "expand-down-stack: sum ", 0
msg_esp:	db "expand-down-stack: final ESP ", 0

image_end:
