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
