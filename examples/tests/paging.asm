; paging.asm - paging with a higher-half alias, and a page-fault handler that maps on demand.
;
; The page table that identity-maps 0-4 MiB is also installed at directory entry
; 768, so 0xC0000000 + x reaches physical x: the kernel reads data and runs code
; through that higher-half alias. Then it writes to DEMAND_PAGE, whose directory
; entry is empty; the #PF handler builds a page table for it, maps a fresh frame,
; and returns, so the write runs again and succeeds.
;
; Exit convention of all Ringside examples: writing V to port 0xF4 (isa-debug-exit)
; stops the machine with exit code (V << 1) | 1; V = 0 (exit code 1) means success,
; V = 1 (exit code 3) means a check failed.

bits 32
org 0x100000

COM1		equ 0x3F8
DEBUG_EXIT	equ 0xF4
PAGE_DIR	equ 0x00200000
PAGE_TABLE	equ 0x00201000	; 0-4 MiB, also seen at 0xC0000000
DEMAND_TABLE	equ 0x00202000	; built by the page-fault handler
DEMAND_FRAME	equ 0x00310000	; the frame it maps
SHARED_DATA	equ 0x00300000	; written low, read through the higher half
HIGHER_HALF	equ 0xC0000000
DEMAND_PAGE	equ 0xD0000000

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
	mov ecx, 14
	mov eax, page_fault
	call set_gate
	lidt [idt_descriptor]

	call build_identity_map
	mov dword [PAGE_DIR + (HIGHER_HALF >> 22) * 4], PAGE_TABLE | 3
	mov eax, PAGE_DIR
	mov cr3, eax
	mov eax, cr0
	or eax, 0x80000000		; CR0.PG
	mov cr0, eax
	mov esi, msg_on
	call print

	mov dword [SHARED_DATA], 0xCAFEF00D
	mov eax, [HIGHER_HALF + SHARED_DATA]
	mov esi, msg_alias
	call print_hex32_line

	mov eax, HIGHER_HALF + in_higher_half
	jmp eax				; run the same bytes through the alias
in_higher_half:
	call .where
.where:
	pop eax				; EIP, as the CPU sees it
	sub eax, .where			; minus where the code was linked: the alias offset
	mov esi, msg_high_eip
	call print_hex32_line
	mov eax, back_low		; an absolute address: back to the identity map
	jmp eax
back_low:

	mov dword [DEMAND_PAGE + 0x10], 0x600DF00D	; #PF: the handler maps it
	mov eax, [DEMAND_FRAME + 0x10]	; the same dword through the identity map
	mov esi, msg_demand
	call print_hex32_line
	xor al, al
	jmp exit

; #PF: only DEMAND_PAGE is expected. Give its 4 MiB a page table and map the page.
page_fault:
	pushad
	mov ebx, cr2
	mov eax, ebx
	mov esi, msg_pf_cr2
	call print_hex32_line
	mov eax, [esp + 32]
	mov esi, msg_pf_error
	call print_hex16_line
	and ebx, 0xFFFFF000
	cmp ebx, DEMAND_PAGE
	jne unexpected
	mov edi, DEMAND_TABLE
	xor eax, eax
	mov ecx, 1024
	rep stosd
	mov dword [DEMAND_TABLE + ((DEMAND_PAGE >> 12) & 0x3FF) * 4], DEMAND_FRAME | 3
	mov dword [PAGE_DIR + (DEMAND_PAGE >> 22) * 4], DEMAND_TABLE | 3
	invlpg [ebx]			; not-present entries are not cached, but be exact
	popad
	add esp, 4			; the error code
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

; print_hex32_line / print_hex16_line: the label at ESI, EAX in hex, a newline.
print_hex32_line:
	push ecx
	mov ecx, 8
	jmp print_value_line
print_hex16_line:
	push ecx
	mov ecx, 4
print_value_line:
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

msg_on:		db "paging: on, 0-4 MiB identity-mapped and aliased at 0xc0000000", 10, 0
msg_alias:	db "paging: wrote 0xcafef00d at 0x00300000, read at 0xc0300000: ", 0
msg_high_eip:	db "paging: running in the higher half, eip - link address=", 0
msg_pf_cr2:	db "#PF: cr2=", 0
msg_pf_error:	db "#PF: error code=", 0
msg_demand:	db "paging: demand-mapped page holds ", 0

idt_descriptor:
	dw 256 * 8 - 1
	dd idt
msg_unexpected:	db "unexpected interrupt or exception: FAIL", 10, 0
align 8
idt:	times 256 * 8 db 0

image_end:
