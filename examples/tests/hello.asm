; hello.asm - the smallest Ringside guest: print one line on COM1 and exit.
;
; QEMU reference: prints "hello from ringside", exit code 1 (success: V=0 written to port 0xF4).

bits 32
org 0x100000

%include "../lib/multiboot.inc"

start:
	mov esp, 0x00090000		; a stack below 640 KiB; the loader gives us none
	call serial_init		; COM1: 115200 baud, 8N1
	mov esi, message
	call print
	xor al, al			; V = 0: success
	jmp exit

%include "../lib/serial.inc"
%include "../lib/exit.inc"

message:	db "hello from ringside", 10, 0

image_end:
