; Data directives, expressions, strings, times, align, equ, sections.
bits 32
org 0x1000
SCREEN equ 0xB8000
COLS equ 80
ROWS equ 25
SIZE equ COLS * ROWS * 2
FLAGS equ (1 << 0) | (1 << 1) | (1 << 7)
%define STACK_SIZE 0x4000
%define MAKE_GDT(base, limit, access, flags) dw limit & 0xffff, base & 0xffff
section .text
start:
	mov eax, SCREEN
	mov ecx, SIZE / 4
	mov edx, FLAGS
	mov ebx, msg_end - msg
	mov esi, (SCREEN + 160) & 0xffff
	mov edi, ~0
	mov eax, -(5 + 3)
	mov eax, 7 % 3
	mov eax, 100 / 7
	mov eax, -100 // 7
	mov eax, 0x10 >> 2
	mov eax, 0x10 ^ 0xff
	mov eax, 'A'
	mov eax, 'AB'
	mov eax, 'abcd'
	mov eax, 0b1010
	mov eax, 1010b
	mov eax, 0o17
	mov eax, 17q
	mov eax, 1Fh
	mov eax, 0x1F
	mov eax, 0FFFFh
	mov eax, 1_000_000
	mov esp, stack_top
	mov eax, $ - start
	mov eax, $$
	jmp .done
.done:
	hlt
	align 16
	ret
	align 4, db 0
section .data
msg:
	db "Hello, world", 13, 10, 0
msg_end:
single:
	db 'x', "y", `z\n\t\0\x41\\`
	dw 1, 2, 0xffff, -1, 'ab'
	dd 1, -1, msg, msg_end - msg, 0x12345678
	dq 0x00CF9A000000FFFF, 1, -1
	dw 'abc'
	dd 'abcde'
	times 5 db 0xAA
	times 3 dw 0x1234
	times (16 - ($ - $$) % 16) % 16 db 0
	MAKE_GDT(0x1000, 0xfffff, 0x9a, 0xc)
	align 8
words:
	dd words, start, single + 2
section .rodata align=16
table:
	dd start, msg, 0
section .bss
	resb 3
stack:
	resb STACK_SIZE
stack_top:
	resd 4
	resw 1
	resq 2
