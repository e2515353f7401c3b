; code-flood.asm - more distinct code than a small translation cache holds.
;
; The kernel writes FUNCTIONS small functions, each with its own constant,
; into a buffer and calls them all: in order, in a scattered order, and again
; after rewriting every other constant. A translator whose cache fills up
; must drop translations (and translate again) without losing or mixing up
; any of them; every call's result goes into a checksum that depends on the
; order of the calls.

bits 32
org 0x100000

BUFFER		equ 0x00300000	; function n at BUFFER + n * SPACING
SPACING		equ 16
FUNCTIONS	equ 256		; a power of two: the scattered order relies on it
STRIDE		equ 97		; odd, so n * STRIDE mod FUNCTIONS visits every n

%include "../lib/multiboot.inc"
%include "../lib/start.inc"

main:

	; Write the functions: template, then the constant n * 0x9E3779B1.
	xor ebx, ebx
write_function:
	mov esi, template
	mov edi, ebx
	shl edi, 4			; SPACING
	add edi, BUFFER
	mov ecx, template_end - template
	rep movsb
	mov eax, ebx
	imul eax, eax, 0x9E3779B1
	mov edi, ebx
	shl edi, 4
	mov [BUFFER + edi + template_constant - template], eax
	inc ebx
	cmp ebx, FUNCTIONS
	jb write_function

	xor eax, eax
	xor ebx, ebx
in_order:
	call call_function
	inc ebx
	cmp ebx, FUNCTIONS
	jb in_order
	mov esi, msg_in_order
	call print_hex32_line

	xor eax, eax
	xor ecx, ecx
scattered:
	mov ebx, ecx
	imul ebx, ebx, STRIDE
	and ebx, FUNCTIONS - 1
	call call_function
	inc ecx
	cmp ecx, FUNCTIONS
	jb scattered
	mov esi, msg_scattered
	call print_hex32_line

	mov ebx, 1			; every odd function's constant inverted
rewrite:
	mov edi, ebx
	shl edi, 4
	not dword [BUFFER + edi + template_constant - template]
	add ebx, 2
	cmp ebx, FUNCTIONS
	jb rewrite
	xor eax, eax
	xor ebx, ebx
rewritten:
	call call_function
	inc ebx
	cmp ebx, FUNCTIONS
	jb rewritten
	mov esi, msg_rewritten
	call print_hex32_line

	xor al, al
	jmp exit

; call_function: EAX = function EBX (EAX).
call_function:
	push edx
	mov edx, ebx
	shl edx, 4
	add edx, BUFFER
	call edx
	pop edx
	ret

; The function every copy starts from: EAX = rol(EAX + constant, 3). Never run in place.
template:
	db 0xBA				; mov edx, imm32
template_constant:
	dd 0
	add eax, edx
	rol eax, 3
	ret
template_end:

%include "../lib/serial.inc"
%include "../lib/print.inc"
%include "../lib/exit.inc"

msg_in_order:	db "code-flood: 256 functions in order: ", 0
msg_scattered:	db "code-flood: in a scattered order: ", 0
msg_rewritten:	db "code-flood: after rewriting every other one: ", 0

image_end:
