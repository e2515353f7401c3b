; loop-forever.asm - prints one line, then spins on `jmp $` forever.
;
; A guest that never exits and never halts: the runner's instruction budget,
; a pause request or a breakpoint is the only way out. QEMU: killed by a timeout.
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
spin:
	jmp spin			; a one-instruction block that jumps to itself

%include "../lib/serial.inc"

message:	db "loop-forever: spinning now", 10, 0

image_end:
