; triple-fault.asm - the guest destroys itself: an empty IDT, then a divide by zero.
;
; The #DE cannot be delivered (vector 0 is past the IDT limit), which raises #GP;
; that cannot be delivered either, so the CPU tries #DF; when even that fails the
; processor shuts down: a triple fault. A real PC resets; Ringside stops with the
; outcome "triple-fault"; QEMU with -no-reboot exits with status 0 and prints only
; the line below.

bits 32
org 0x100000

%include "../lib/multiboot.inc"
%include "../lib/start.inc"

main:
	mov esi, message
	call print
	lidt [empty_idt]		; limit 0: not even vector 0 fits
	xor edx, edx
	xor eax, eax
	xor ecx, ecx
	div ecx				; #DE -> #GP -> #DF -> shutdown
	mov esi, survived		; not reached on any honest x86
	call print
	mov al, 1
	jmp exit

%include "../lib/serial.inc"
%include "../lib/exit.inc"

empty_idt:
	dw 0				; limit 0
	dd 0				; base

message:	db "triple-fault: loading an empty IDT and dividing by zero", 10, 0
survived:	db "triple-fault: FAIL, the CPU survived", 10, 0

image_end:
