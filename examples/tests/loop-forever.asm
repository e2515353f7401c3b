; loop-forever.asm - prints one line, then spins on `jmp $` forever.
;
; A guest that never exits and never halts: the runner's instruction budget,
; a pause request or a breakpoint is the only way out. QEMU: killed by a timeout.

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
