; selfmod.asm - self-modifying code in a loop, then code written to a fresh page and run.
;
; A code cache that does not notice writes to code it already translated gets
; the checksums wrong. Part 1 rewrites, on every pass, the immediate of an
; instruction a few bytes ahead and flips another instruction between add and
; xor. Part 2 writes a tiny function into a buffer, calls it, patches it, and
; calls it again.
;
; Exit convention of all Ringside examples: writing V to port 0xF4 (isa-debug-exit)
; stops the machine with exit code (V << 1) | 1; V = 0 (exit code 1) means success,
; V = 1 (exit code 3) means a check failed.

bits 32
org 0x100000

COM1		equ 0x3F8
DEBUG_EXIT	equ 0xF4
CODE_BUFFER	equ 0x00200000	; part 2 writes code here

; Multiboot v1 header with the a.out kludge (flag bit 16): load this flat file at 1 MiB.
MB_MAGIC	equ 0x1BADB002
MB_FLAGS	equ 0x00010000
multiboot_header:
	dd MB_MAGIC, MB_FLAGS, -(MB_MAGIC + MB_FLAGS)
	dd multiboot_header, 0x00100000, image_end, image_end, start

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

; ---------------------------------------------------------------------------
; COM1 output, polled: 115200 baud, 8N1, no UART interrupts.
; ---------------------------------------------------------------------------
serial_init:
	mov dx, COM1 + 1
	xor al, al
	out dx, al			; IER = 0
	mov dx, COM1 + 3
	mov al, 0x80
	out dx, al			; DLAB = 1: ports +0/+1 are the divisor latch
	mov dx, COM1
	mov al, 1
	out dx, al			; divisor 1 = 115200 baud
	mov dx, COM1 + 1
	xor al, al
	out dx, al
	mov dx, COM1 + 3
	mov al, 0x03
	out dx, al			; 8 data bits, no parity, 1 stop bit, DLAB = 0
	ret

; putc: send AL once LSR bit 5 says the transmit holding register is empty.
putc:
	push edx
	push eax
	mov dx, COM1 + 5
.wait:
	in al, dx
	test al, 0x20
	jz .wait
	pop eax
	mov dx, COM1
	out dx, al
	pop edx
	ret

; print: the NUL-terminated string at ESI.
print:
	push eax
	push esi
.next:
	lodsb
	test al, al
	jz .done
	call putc
	jmp .next
.done:
	pop esi
	pop eax
	ret

; print_hex: "0x" and the low ECX hex digits of EAX.
print_hex:
	pushad
	mov ebx, eax
	mov al, '0'
	call putc
	mov al, 'x'
	call putc
	mov edx, ecx
	neg ecx
	add ecx, 8
	shl ecx, 2
	rol ebx, cl			; bring the first digit wanted to the top
	mov ecx, edx
.digit:
	rol ebx, 4
	mov al, bl
	and al, 0x0F
	add al, '0'
	cmp al, '9'
	jbe .out
	add al, 'a' - '9' - 1
.out:
	call putc
	loop .digit
	popad
	ret

; print_hex32_line: the label at ESI, EAX in hex, a newline.
print_hex32_line:
	push ecx
	mov ecx, 8
	call print
	call print_hex
	pop ecx
newline:
	push eax
	mov al, 10
	call putc
	pop eax
	ret

; exit: V = AL to the isa-debug-exit port; the machine stops.
exit:
	out DEBUG_EXIT, al
	jmp $

msg_part1:	db "selfmod: rewritten-loop checksum ", 0
msg_part2:	db "selfmod: code buffer results (22 << 8 | 62) ", 0

image_end:
