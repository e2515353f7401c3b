; halt-forever.asm - prints one line, then `cli; hlt`: halted with nothing to wake it.
;
; With IF = 0 only an NMI could resume the CPU, and nothing raises one: a monitor
; should report the machine idle instead of spinning. QEMU: killed by a timeout.
;
; Exit convention of all Ringside examples: writing V to port 0xF4 (isa-debug-exit)
; stops the machine with exit code (V << 1) | 1; V = 0 (exit code 1) means success,
; V = 1 (exit code 3) means a check failed.

bits 32
org 0x100000

COM1		equ 0x3F8
DEBUG_EXIT	equ 0xF4

; Multiboot v1 header with the a.out kludge (flag bit 16): load this flat file at 1 MiB.
MB_MAGIC	equ 0x1BADB002
MB_FLAGS	equ 0x00010000
multiboot_header:
	dd MB_MAGIC, MB_FLAGS, -(MB_MAGIC + MB_FLAGS)
	dd multiboot_header, 0x00100000, image_end, image_end, start

start:
	mov esp, 0x00090000
	call serial_init
	mov esi, message
	call print
	cli
halt:
	hlt
	jmp halt			; should an NMI ever wake us, halt again

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

message:	db "halt-forever: halting with interrupts off", 10, 0

image_end:
