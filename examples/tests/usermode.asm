; usermode.asm - the smallest drop to ring 3, and system calls back into ring 0.
;
; A GDT with ring-3 segments and a TSS (whose esp0 is the stack for coming back),
; an IDT whose int 0x80 gate has DPL 3, then iret into ring 3. The ring-3 code
; writes a line and exits through int 0x80; the kernel prints the caller's CS.
; No paging: every page is reachable from ring 3 here.

bits 32
org 0x100000

USER_STACK_TOP	equ 0x00080000

%include "../lib/multiboot.inc"
%include "../lib/start.inc"
%include "../lib/user-mode.inc"

main:
	call load_gdt
	mov ax, 0x28
	ltr ax
	call build_idt
	mov ecx, 0x80
	mov eax, syscall_entry
	mov dl, 0xEE			; present, DPL 3, 32-bit interrupt gate
	call set_gate_dpl
	lidt [idt_descriptor]
	mov esi, msg_start
	call print

	ENTER_RING3 user_main

; int 0x80: EAX = 1 writes the string at EBX, EAX = 2 exits with status EBX.
syscall_entry:
	push eax
	mov eax, [esp + 8]		; caller's CS, above the saved EAX and the EIP
	mov esi, msg_caller
	call print_hex16_line
	pop eax
	cmp eax, 1
	je .write
	cmp eax, 2
	je .exit
	jmp unexpected
.write:
	mov esi, ebx
	call print
	iretd
.exit:
	mov esi, msg_exit
	call print
	mov eax, ebx
	jmp exit

user_main:
	mov eax, 1
	mov ebx, user_message
	int 0x80
	mov eax, 2
	xor ebx, ebx			; status 0
	int 0x80
	jmp $				; not reached

user_message:	db "ring 3: hello through int 0x80", 10, 0

%include "../lib/kernel.inc"
%include "../lib/user-gdt.inc"

msg_start:	db "usermode: iret to ring 3", 10, 0
msg_caller:	db "int 0x80 from cs=", 0
msg_exit:	db "usermode: exit from ring 3", 10, 0

image_end:
