; The debugger tests' guest: prints one line through the example library's
; serial routines (so breakpoints in an %include'd file are exercised too),
; then exits through isa-debug-exit. Tests find lines by their text: keep the
; lines they look for ("; a comment", "call print", "mov dx, 0xf4") unique.

bits 32
org 0x100000

%include "../../../examples/lib/multiboot.inc"

start:
	mov esp, 0x00090000		; a stack below 640 KiB
	call serial_init
	; a comment between instructions: a breakpoint here moves to the next line
	mov esi, message
	call print
	mov dx, 0xf4			; isa-debug-exit
	xor al, al			; V = 0: exit code 1
	out dx, al
	jmp $

%include "../../../examples/lib/serial.inc"

message:	db "hello from ringside", 10, 0

image_end:
