; echo.asm - echoes COM1 input back, polling the UART, until it reads 'q'.
;
; Polling: LSR bit 0 (data ready) says a byte waits in the receive buffer.
; Every byte read is written back; 'q' ends the run with exit code 1.
; QEMU: feed the input on stdin, e.g. printf 'hello q' | examples/run-qemu.sh tests/echo.asm

bits 32
org 0x100000

%include "../lib/multiboot.inc"
%include "../lib/start.inc"

main:
	mov esi, banner
	call print
.read:
	mov dx, COM1 + 5
.wait:
	in al, dx
	test al, 0x01			; LSR.DR: a received byte is waiting
	jz .wait
	mov dx, COM1
	in al, dx			; reading RBR takes the byte out of the UART
	cmp al, 'q'
	je .quit
	call putc
	jmp .read
.quit:
	mov esi, goodbye
	call print
	xor al, al
	jmp exit

%include "../lib/serial.inc"
%include "../lib/exit.inc"

banner:		db "echo: type, 'q' quits", 10, 0
goodbye:	db 10, "echo: got q, bye", 10, 0

image_end:
