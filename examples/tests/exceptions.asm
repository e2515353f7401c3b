; exceptions.asm - provokes #DE, #UD, #BP, #GP and #PF; one handler reports and resumes.
;
; Before each provocation the kernel stores where to resume in `resume_at`; the
; shared handler prints the vector, the error code (or "none": not every exception
; pushes one), the saved EIP (a fault saves the faulting instruction, a trap such as
; int3 the next one) and, for #PF, CR2, then returns to `resume_at`.
;
; Exit convention of all Ringside examples: writing V to port 0xF4 (isa-debug-exit)
; stops the machine with exit code (V << 1) | 1; V = 0 (exit code 1) means success,
; V = 1 (exit code 3) means a check failed.

bits 32
org 0x100000

COM1		equ 0x3F8
DEBUG_EXIT	equ 0xF4
PAGE_DIR	equ 0x00200000
PAGE_TABLE	equ 0x00201000
UNMAPPED	equ 0x00800000	; directory entry 2: not present
NO_ERROR	equ 0xFFFFFFFF	; stub marker: the CPU pushed no error code

; Multiboot v1 header with the a.out kludge (flag bit 16): load this flat file at 1 MiB.
MB_MAGIC	equ 0x1BADB002
MB_FLAGS	equ 0x00010000
multiboot_header:
	dd MB_MAGIC, MB_FLAGS, -(MB_MAGIC + MB_FLAGS)
	dd multiboot_header, 0x00100000, image_end, image_end, start

start:
	mov esp, 0x00090000
	call serial_init
	call load_gdt
	call build_idt
	mov ecx, 0
	mov eax, isr_de
	call set_gate
	mov ecx, 3
	mov eax, isr_bp
	call set_gate
	mov ecx, 6
	mov eax, isr_ud
	call set_gate
	mov ecx, 13
	mov eax, isr_gp
	call set_gate
	mov ecx, 14
	mov eax, isr_pf
	call set_gate
	lidt [idt_descriptor]

	mov esi, msg_de
	call print
	mov dword [resume_at], after_de
	xor edx, edx
	mov eax, 1
	xor ecx, ecx
	div ecx
after_de:

	mov esi, msg_ud
	call print
	mov dword [resume_at], after_ud
	ud2
after_ud:

	mov esi, msg_bp
	call print
	mov dword [resume_at], after_bp
	int3
after_bp:

	mov esi, msg_gp
	call print
	mov dword [resume_at], after_gp
	mov ax, 0x58			; index 11: past the end of our 3-entry GDT
	mov ds, ax
after_gp:

	mov esi, msg_pf
	call print
	call build_identity_map
	mov eax, PAGE_DIR
	mov cr3, eax
	mov eax, cr0
	or eax, 0x80000000
	mov cr0, eax
	mov dword [resume_at], after_pf
	mov eax, [UNMAPPED]
after_pf:

	mov eax, [handled]
	mov esi, msg_count
	call print_hex16_line
	cmp dword [handled], 5
	jne unexpected
	xor al, al
	jmp exit

; Entry stubs: make every frame look the same, [vector, error code, EIP, CS, EFLAGS].
isr_de:
	push NO_ERROR
	push 0
	jmp fault_common
isr_bp:
	push NO_ERROR
	push 3
	jmp fault_common
isr_ud:
	push NO_ERROR
	push 6
	jmp fault_common
isr_gp:
	push 13				; the CPU already pushed the error code
	jmp fault_common
isr_pf:
	push 14
fault_common:
	pushad
	mov esi, msg_vector
	mov eax, [esp + 32]
	mov ecx, 2
	call print
	call print_hex
	mov esi, msg_error
	call print
	mov eax, [esp + 36]
	cmp eax, NO_ERROR
	je .no_error
	mov ecx, 4
	call print_hex
	jmp .eip
.no_error:
	mov esi, msg_none
	call print
.eip:
	mov esi, msg_eip
	call print
	mov eax, [esp + 40]
	mov ecx, 8
	call print_hex
	cmp dword [esp + 32], 14
	jne .done
	mov esi, msg_cr2
	call print
	mov eax, cr2
	call print_hex
.done:
	call newline
	inc dword [handled]
	mov eax, [resume_at]
	mov [esp + 40], eax		; return to the resume point, past the culprit
	popad
	add esp, 8			; vector and error code
	iretd

; Identity-map 0-4 MiB (supervisor, writable) through one page table; every
; other directory entry is not present.
build_identity_map:
	mov edi, PAGE_DIR
	xor eax, eax
	mov ecx, 1024
	rep stosd
	mov dword [PAGE_DIR], PAGE_TABLE | 3	; present, writable
	mov edi, PAGE_TABLE
	mov eax, 3
	mov ecx, 1024
.pte:
	stosd
	add eax, 0x1000
	loop .pte
	ret

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

; print_hex: "0x" and the low ECX hex digits of EAX.
print_hex:
	pushad
	mov ebx, eax
	mov al, '0'
	call putc
	mov al, 'x'
	call putc
	mov edx, ecx
	neg ecx
	add ecx, 8
	shl ecx, 2
	rol ebx, cl			; bring the first digit wanted to the top
	mov ecx, edx
.digit:
	rol ebx, 4
	mov al, bl
	and al, 0x0F
	add al, '0'
	cmp al, '9'
	jbe .out
	add al, 'a' - '9' - 1
.out:
	call putc
	loop .digit
	popad
	ret

; print_hex16_line: the label at ESI, EAX in hex, a newline.
print_hex16_line:
	push ecx
	mov ecx, 4
	call print
	call print_hex
	pop ecx
newline:
	push eax
	mov al, 10
	call putc
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

resume_at:	dd 0
handled:	dd 0
msg_de:		db "div by zero:", 10, 0
msg_ud:		db "ud2:", 10, 0
msg_bp:		db "int3:", 10, 0
msg_gp:		db "mov ds, 0x58 (past the GDT limit):", 10, 0
msg_pf:		db "read of an unmapped page:", 10, 0
msg_vector:	db "  vector=", 0
msg_error:	db " error=", 0
msg_none:	db "none", 0
msg_eip:	db " eip=", 0
msg_cr2:	db " cr2=", 0
msg_count:	db "exceptions handled: ", 0

idt_descriptor:
	dw 256 * 8 - 1
	dd idt
msg_unexpected:	db "unexpected interrupt or exception: FAIL", 10, 0
align 8
idt:	times 256 * 8 db 0

image_end:
