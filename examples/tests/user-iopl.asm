; user-iopl.asm - ring-3 code that the kernel gives IOPL 3, as a kernel does
; for a process it lets drive hardware (iopl(3)).
;
; At ring 3 with IOPL 3, CLI, STI and POPF change IF, PUSHF shows IOPL 3 and
; IF as they are, and IN/OUT reach the ports without the I/O bitmap. The user
; prints what PUSHF shows after each change, then makes a system call; the
; kernel prints the EFLAGS the call's frame holds. Interrupts stay masked at
; the PIC, so IF only shows.

bits 32
org 0x100000

USER_STACK_TOP	equ 0x00080000

%include "../lib/multiboot.inc"
%include "../lib/user-gdt.inc"
%include "../lib/start.inc"
%include "../lib/user-mode.inc"

main:
	SYSCALL_KERNEL syscall_entry
	mov ax, 0x20 | 3
	mov ds, ax
	mov es, ax
	push 0x20 | 3			; SS
	push USER_STACK_TOP		; ESP
	push 0x00003202			; EFLAGS: IOPL 3, IF
	push 0x18 | 3			; CS
	push user_main
	iretd

syscall_entry:
	mov eax, [esp + 8]		; the caller's EFLAGS
	and eax, 0x3200			; IOPL and IF
	mov esi, msg_frame
	call print_hex32_line
	xor al, al
	jmp exit

; EAX := what PUSHF shows of IOPL and IF.
iopl_if:
	pushfd
	pop eax
	and eax, 0x3200
	ret

user_main:
	call iopl_if
	mov esi, msg_start
	call print_hex32_line
	cli
	call iopl_if
	mov esi, msg_cli
	call print_hex32_line
	sti
	call iopl_if
	mov esi, msg_sti
	call print_hex32_line
	pushfd
	and dword [esp], ~0x200
	popfd				; IF := 0 by POPF
	call iopl_if
	mov esi, msg_popf
	call print_hex32_line
	mov dx, 0x3FF			; COM1's scratch register: no I/O bitmap in the way
	mov al, 0x5a
	out dx, al
	in al, dx
	movzx eax, al
	mov esi, msg_port
	call print_hex32_line
	int 0x80

%include "../lib/kernel.inc"

msg_start:	db "user-iopl: ring 3 starts with IOPL|IF ", 0
msg_cli:	db "user-iopl: after cli ", 0
msg_sti:	db "user-iopl: after sti ", 0
msg_popf:	db "user-iopl: after popf clearing IF ", 0
msg_port:	db "user-iopl: COM1 scratch register reads back ", 0
msg_frame:	db "user-iopl: the system call's frame holds IOPL|IF ", 0

image_end:
