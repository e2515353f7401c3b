; timer.asm - counts 10 interrupts of the PIT at 100 Hz, then exits.
;
; The PIT's channel 0 drives IRQ 0; the PIC is remapped so that IRQ 0 is
; vector 0x20. The main loop sleeps with `sti; hlt` until the handler has counted
; ten ticks. No tick numbers are printed: when a tick lands is a matter of timing.

bits 32
org 0x100000

PIT_DIVISOR	equ 11932	; 1193182 Hz / 11932 = 100 Hz

%include "../lib/multiboot.inc"
%include "../lib/start.inc"
%include "../lib/pit.inc"

main:
	mov esi, msg_start
	call print
	call load_gdt
	call build_idt
	call remap_pic
	mov ecx, 0			; the PIT's line
	mov eax, timer_irq
	call set_irq_handler
	lidt [idt_descriptor]

	PIT_PERIODIC PIT_DIVISOR

.sleep:
	sti				; IF takes effect after hlt starts: no lost wake-up
	hlt
	cli
	cmp dword [ticks], 10
	jb .sleep

	mov esi, msg_done
	call print
	xor al, al
	jmp exit

timer_irq:
	inc dword [ticks]
	call end_of_irq
	iretd

%include "../lib/gdt.inc"
%include "../lib/idt.inc"
%include "../lib/pic.inc"
%include "../lib/irq.inc"
%include "../lib/serial.inc"
%include "../lib/exit.inc"
%include "../lib/flat-gdt.inc"

ticks:		dd 0
msg_start:	db "timer: waiting for 10 PIT ticks at 100 Hz", 10, 0
msg_done:	db "timer: 10 ticks counted", 10, 0

image_end:
