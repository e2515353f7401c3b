; echo-irq.asm - echoes COM1 input back, driven by the UART receive interrupt, until 'q'.
;
; IER bit 0 makes the UART raise IRQ 4 when a byte arrives (MCR.OUT2 must be
; set: on a PC it gates the UART's interrupt line). The PIC maps IRQ 4 to vector
; 0x24; the handler drains the receive buffer, echoes, and notes a 'q'. The main
; loop just sleeps in hlt between interrupts. Bytes after the 'q' are not echoed.
; QEMU: feed the input on stdin, e.g. printf 'hello q' | examples/run-qemu.sh tests/echo-irq.asm
;
; Exit convention of all Ringside examples: writing V to port 0xF4 (isa-debug-exit)
; stops the machine with exit code (V << 1) | 1; V = 0 (exit code 1) means success,
; V = 1 (exit code 3) means a check failed.

bits 32
org 0x100000

COM1		equ 0x3F8
DEBUG_EXIT	equ 0xF4

; Multiboot v1 header with the a.out kludge (flag bit 16): load this flat file at 1 MiB.
MB_MAGIC	equ 0x1BADB002
MB_FLAGS	equ 0x00010000
multiboot_header:
	dd MB_MAGIC, MB_FLAGS, -(MB_MAGIC + MB_FLAGS)
	dd multiboot_header, 0x00100000, image_end, image_end, start

start:
	mov esp, 0x00090000
	call serial_init
	mov esi, msg_start
	call print
	call load_gdt
	call build_idt
	mov ecx, 0x24
	mov eax, uart_irq
	call set_gate
	lidt [idt_descriptor]
	call remap_pic
	mov al, 0xEF			; unmask IRQ 4 only
	out 0x21, al

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
	mov al, 0x20			; end of interrupt
	out 0x20, al
	pop edx
	pop eax
	iretd

; A flat GDT of our own: at entry the loader's descriptors are only cached in
; the segment registers, and interrupt delivery needs a real table to load CS.
load_gdt:
	lgdt [gdt_descriptor]
	jmp 0x08:.reload		; a far jump reloads CS
.reload:
	mov ax, 0x10
	mov ds, ax
	mov es, ax
	mov fs, ax
	mov gs, ax
	mov ss, ax
	ret

; build_idt: every vector goes to `unexpected`, then the ones this guest handles
; are set with set_gate; lidt loads it.
build_idt:
	xor ecx, ecx
	mov eax, unexpected
.all:
	call set_gate
	inc ecx
	cmp ecx, 256
	jb .all
	ret

; set_gate: IDT entry ECX -> handler EAX, ring-0 32-bit interrupt gate.
set_gate:
	push eax
	mov word [idt + ecx * 8], ax
	mov word [idt + ecx * 8 + 2], 0x08
	mov word [idt + ecx * 8 + 4], 0x8E00	; present, DPL 0, 32-bit interrupt gate
	shr eax, 16
	mov word [idt + ecx * 8 + 6], ax
	pop eax
	ret

unexpected:
	mov esi, msg_unexpected
	call print
	mov al, 1
	jmp exit

; remap_pic: master IRQs to vectors 0x20-0x27, slave to 0x28-0x2F, all masked.
remap_pic:
	mov al, 0x11			; ICW1: edge triggered, cascade, ICW4 follows
	out 0x20, al
	out 0xA0, al
	mov al, 0x20			; ICW2: vector bases
	out 0x21, al
	mov al, 0x28
	out 0xA1, al
	mov al, 4			; ICW3: the slave hangs on IRQ 2
	out 0x21, al
	mov al, 2
	out 0xA1, al
	mov al, 1			; ICW4: 8086 mode
	out 0x21, al
	out 0xA1, al
	mov al, 0xFF			; OCW1: everything masked for now
	out 0x21, al
	out 0xA1, al
	ret

; ---------------------------------------------------------------------------
; COM1 output, polled: 115200 baud, 8N1, no UART interrupts.
; ---------------------------------------------------------------------------
serial_init:
	mov dx, COM1 + 1
	xor al, al
	out dx, al			; IER = 0
	mov dx, COM1 + 3
	mov al, 0x80
	out dx, al			; DLAB = 1: ports +0/+1 are the divisor latch
	mov dx, COM1
	mov al, 1
	out dx, al			; divisor 1 = 115200 baud
	mov dx, COM1 + 1
	xor al, al
	out dx, al
	mov dx, COM1 + 3
	mov al, 0x03
	out dx, al			; 8 data bits, no parity, 1 stop bit, DLAB = 0
	ret

; putc: send AL once LSR bit 5 says the transmit holding register is empty.
putc:
	push edx
	push eax
	mov dx, COM1 + 5
.wait:
	in al, dx
	test al, 0x20
	jz .wait
	pop eax
	mov dx, COM1
	out dx, al
	pop edx
	ret

; print: the NUL-terminated string at ESI.
print:
	push eax
	push esi
.next:
	lodsb
	test al, al
	jz .done
	call putc
	jmp .next
.done:
	pop esi
	pop eax
	ret

; exit: V = AL to the isa-debug-exit port; the machine stops.
exit:
	out DEBUG_EXIT, al
	jmp $

align 8
gdt:					; accessed bits preset: the CPU need not write here
	dq 0				; null
	dq 0x00CF9B000000FFFF		; 0x08 ring-0 code, base 0, 4 GiB
	dq 0x00CF93000000FFFF		; 0x10 ring-0 data
gdt_end:
gdt_descriptor:
	dw gdt_end - gdt - 1
	dd gdt

quit:		db 0
msg_start:	db "echo-irq: type, 'q' quits", 10, 0
msg_bye:	db 10, "echo-irq: got q, bye", 10, 0

idt_descriptor:
	dw 256 * 8 - 1
	dd idt
msg_unexpected:	db "unexpected interrupt or exception: FAIL", 10, 0
align 8
idt:	times 256 * 8 db 0

image_end:
