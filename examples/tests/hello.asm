; hello.asm - the smallest Ringside guest: print one line on COM1 and exit.
;
; QEMU reference: prints "hello from ringside", exit code 1 (success: V=0 written to port 0xF4).

bits 32
org 0x100000

; ---------------------------------------------------------------------------
; Multiboot v1 header. Flag bit 16 ("a.out kludge") tells the loader where to
; put this flat file, so no ELF headers are needed.
; ---------------------------------------------------------------------------
MB_MAGIC	equ 0x1BADB002
MB_FLAGS	equ 0x00010000
COM1		equ 0x3F8
DEBUG_EXIT	equ 0xF4

multiboot_header:
	dd MB_MAGIC
	dd MB_FLAGS
	dd -(MB_MAGIC + MB_FLAGS)	; the three words must sum to zero
	dd multiboot_header		; header_addr: where this header is loaded
	dd $$				; load_addr: start of the file
	dd image_end			; load_end_addr: end of the file
	dd image_end			; bss_end_addr: no bss to clear
	dd start			; entry_addr

start:
	mov esp, 0x00090000		; a stack below 640 KiB; the loader gives us none

	; 115200 baud, 8 data bits, no parity, one stop bit.
	mov dx, COM1 + 1
	xor al, al
	out dx, al			; IER = 0: no UART interrupts
	mov dx, COM1 + 3
	mov al, 0x80
	out dx, al			; LCR.DLAB = 1 to reach the divisor latch
	mov dx, COM1 + 0
	mov al, 1
	out dx, al			; divisor low byte = 1 (115200 baud)
	mov dx, COM1 + 1
	xor al, al
	out dx, al			; divisor high byte
	mov dx, COM1 + 3
	mov al, 0x03
	out dx, al			; LCR = 8N1, DLAB = 0

	mov esi, message
	call print

	; Writing V to port 0xF4 ends the run with exit code (V << 1) | 1.
	mov dx, DEBUG_EXIT
	xor al, al
	out dx, al
	jmp $				; not reached: the machine has stopped

; print: send the NUL-terminated string at ESI to COM1.
print:
	mov dx, COM1 + 5
.wait:
	in al, dx			; LSR bit 5: transmit holding register empty
	test al, 0x20
	jz .wait
	lodsb
	test al, al
	jz .done
	mov dx, COM1
	out dx, al
	jmp print
.done:
	ret

message:	db "hello from ringside", 10, 0

image_end:
