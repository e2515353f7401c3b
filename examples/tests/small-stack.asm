; small-stack.asm - a ring-0 kernel on a 16-bit stack segment (B clear) whose
; ESP has garbage in its upper half, as code fresh from 16-bit land may leave.
;
; With a 16-bit stack only SP moves: pushes, calls and the frames of INT3 and
; a divide error (both handled on the same stack, returning with IRETD) go at
; SS.base + SP, and the upper half of ESP survives. The kernel prints ESP
; inside a handler and afterwards, and what it popped.

bits 32
org 0x100000

SMALL_SS	equ 0x18	; data, base 0x70000, limit 0xFFFF, B clear

%include "../lib/multiboot.inc"
%include "../lib/start.inc"

main:
	call load_gdt
	call build_idt
	mov eax, breakpoint
	mov ecx, 3
	call set_gate
	mov eax, divide_error
	xor ecx, ecx
	call set_gate
	lidt [idt_descriptor]
	mov ax, SMALL_SS
	mov ss, ax
	mov esp, 0xABCD0800
	push dword 0x11112222
	int3				; the handler records ESP
	xor ecx, ecx
	div ecx				; 2 bytes: the handler steps over it
	pop edx
	mov ebx, esp
	mov ax, 0x10
	mov ss, ax
	mov esp, KERNEL_STACK_TOP
	mov eax, [handler_esp]
	mov esi, msg_inside
	call print_hex32_line
	mov eax, ebx
	mov esi, msg_after
	call print_hex32_line
	mov eax, edx
	mov esi, msg_popped
	call print_hex32_line
	mov eax, [divides]
	mov esi, msg_divides
	call print_hex32_line
	xor al, al
	jmp exit

breakpoint:
	mov [handler_esp], esp
	iretd

divide_error:
	push ebp
	movzx ebp, sp			; [esp] would use all of ESP: the frame is at SS.base + SP
	add dword [ss:ebp + 4], 2
	pop ebp
	inc dword [divides]
	iretd

%include "../lib/kernel.inc"

GDT_HEAD
	dq 0x00009307_0000FFFF		; 0x18 16-bit data, base 0x70000, limit 0xFFFF
GDT_DESCRIPTOR

handler_esp:	dd 0
divides:	dd 0
msg_inside:	db "small-stack: ESP in the INT3 handler ", 0
msg_after:	db "small-stack: ESP afterwards ", 0
msg_popped:	db "small-stack: popped ", 0
msg_divides:	db "small-stack: divide errors taken ", 0

image_end:
