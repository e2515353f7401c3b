; entry.asm - the multiboot header and the first instructions of the C kernel.
;
; This is an ELF kernel, so the header needs no a.out-kludge addresses: the
; loader reads the program headers. The linker script puts .multiboot first,
; well inside the 8 KiB in which loaders look for the header.

bits 32

MB_MAGIC	equ 0x1BADB002
MB_FLAGS	equ 0			; nothing asked of the loader

section .multiboot
align 4
	dd MB_MAGIC, MB_FLAGS, -(MB_MAGIC + MB_FLAGS)

section .bss
align 16
stack_bottom:
	resb 16384
stack_top:

section .text
global _start
extern kernel_main
_start:
	mov esp, stack_top
	push ebx			; multiboot information
	push eax			; multiboot magic
	call kernel_main		; void kernel_main(uint32_t magic, const void *info)
	; kernel_main exits through port 0xF4; if it ever returns, halt for good.
	cli
.halt:
	hlt
	jmp .halt
