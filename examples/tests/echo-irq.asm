; echo-irq.asm - echoes COM1 input back, driven by the UART receive interrupt, until 'q'.
;
; IER bit 0 makes the UART raise IRQ 4 when a byte arrives (MCR.OUT2 must be
; set: on a PC it gates the UART's interrupt line). The PIC maps IRQ 4 to vector
; 0x24; the handler drains the receive buffer, echoes, and notes a 'q'. The main
; loop just sleeps in hlt between interrupts. Bytes after the 'q' are not echoed.
; QEMU: feed the input on stdin, e.g. printf 'hello q' | examples/run-qemu.sh tests/echo-irq.asm

bits 32
org 0x100000

%include "../lib/multiboot.inc"
%include "../lib/start.inc"

main:
	mov esi, msg_start
	call print
	call load_gdt
	call build_idt
	call remap_pic
	mov ecx, 4			; COM1's line
	mov eax, uart_irq
	call set_irq_handler
	lidt [idt_descriptor]

	mov dx, COM1 + 4
	mov al, 0x0B			; MCR: DTR, RTS, OUT2 (interrupt line enabled)
	out dx, al
	mov dx, COM1 + 1
	mov al, 0x01			; IER: interrupt on received data
	out dx, al

.sleep:
	sti
	hlt
	cli
	cmp byte [quit], 0
	je .sleep

	mov esi, msg_bye
	call print
	xor al, al
	jmp exit

; uart_irq: read every waiting byte (LSR bit 0), echo all but 'q'.
uart_irq:
	push eax
	push edx
	cmp byte [quit], 0		; an interrupt latched before the 'q' was read:
	jne .done			; echo nothing more
.drain:
	mov dx, COM1 + 5
	in al, dx
	test al, 0x01
	jz .done
	mov dx, COM1
	in al, dx
	cmp al, 'q'
	je .quit
	call putc
	jmp .drain
.quit:
	mov byte [quit], 1
	mov dx, COM1 + 1
	xor al, al
	out dx, al			; IER = 0: bytes after the 'q' raise no more interrupts
	jmp .done
.done:
	call end_of_irq
	pop edx
	pop eax
	iretd

%include "../lib/gdt.inc"
%include "../lib/idt.inc"
%include "../lib/pic.inc"
%include "../lib/irq.inc"
%include "../lib/serial.inc"
%include "../lib/exit.inc"
%include "../lib/flat-gdt.inc"

quit:		db 0
msg_start:	db "echo-irq: type, 'q' quits", 10, 0
msg_bye:	db 10, "echo-irq: got q, bye", 10, 0

image_end:
