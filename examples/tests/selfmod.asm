; selfmod.asm - self-modifying code in a loop, then code written to a fresh page and run.
;
; A code cache that does not notice writes to code it already translated gets
; the checksums wrong. Part 1 rewrites, on every pass, the immediate of an
; instruction a few bytes ahead and flips another instruction between add and
; xor. Part 2 writes a tiny function into a buffer, calls it, patches it, and
; calls it again.

bits 32
org 0x100000

CODE_BUFFER	equ 0x00200000	; part 2 writes code here

%include "../lib/multiboot.inc"

start:
	mov esp, 0x00090000
	call serial_init

	; Part 1: 1000 passes over code that rewrites itself.
	xor ebx, ebx			; checksum
	mov ecx, 1000
pass:
	mov eax, ecx
	imul eax, eax, 0x9E3779B1	; a different immediate every pass
	mov [patched_imm], eax
	mov al, 0x01			; opcode of add r/m32, r32
	test cl, 1
	jz .even
	mov al, 0x31			; opcode of xor r/m32, r32
.even:
	mov [patched_op], al
	jmp patched			; 486-era rule: jump after writing code
patched:
	db 0x81, 0xC3			; add ebx, imm32 (encoded by hand so the
patched_imm:				; immediate's offset is certain)
	dd 0
patched_op:
	db 0x01, 0xCB			; add ebx, ecx (or xor ebx, ecx)
	rol ebx, 3
	loop pass
	mov eax, ebx
	mov esi, msg_part1
	call print_hex32_line

	; Part 2: copy `template` to CODE_BUFFER, run it, patch its immediate, run again.
	mov esi, template
	mov edi, CODE_BUFFER
	mov ecx, template_end - template
	rep movsb
	mov eax, 5
	call CODE_BUFFER		; 5 * 3 + 7 = 22
	mov ebx, eax
	mov byte [CODE_BUFFER + template_factor - template], 11
	mov eax, 5
	call CODE_BUFFER		; 5 * 11 + 7 = 62
	shl ebx, 8
	or eax, ebx			; 0x163e when both calls saw their own code
	mov esi, msg_part2
	call print_hex32_line

	xor al, al
	jmp exit

; template: EAX = EAX * factor + 7. Copied, never run in place.
template:
	db 0x6B, 0xC0			; imul eax, eax, imm8
template_factor:
	db 3
	add eax, 7
	ret
template_end:

%include "../lib/serial.inc"
%include "../lib/print.inc"
%include "../lib/exit.inc"

msg_part1:	db "selfmod: rewritten-loop checksum ", 0
msg_part2:	db "selfmod: code buffer results (22 << 8 | 62) ", 0

image_end:
