; halt-forever.asm - prints one line, then `cli; hlt`: halted with nothing to wake it.
;
; With IF = 0 only an NMI could resume the CPU, and nothing raises one: a monitor
; should report the machine idle instead of spinning. QEMU: killed by a timeout.

bits 32
org 0x100000

%include "../lib/multiboot.inc"
%include "../lib/start.inc"

main:
	mov esi, message
	call print
	cli
halt:
	hlt
	jmp halt			; should an NMI ever wake us, halt again

%include "../lib/serial.inc"

message:	db "halt-forever: halting with interrupts off", 10, 0

image_end:
