; retf-to-user.asm - a kernel that enters ring 3 with RETF instead of IRET,
; once with interrupts enabled and IOPL 1, once with them disabled.
;
; RETF leaves EFLAGS alone, so ring 3 runs with the IF and IOPL the kernel
; had; ring 3 prints them (PUSHF) and returns with a system call. Interrupts
; stay masked at the PIC, so IF only shows.

bits 32
org 0x100000

USER_STACK_TOP	equ 0x00080000

%include "../lib/multiboot.inc"
%include "../lib/user-gdt.inc"
%include "../lib/start.inc"
%include "../lib/user-mode.inc"

main:
	SYSCALL_KERNEL syscall_entry
	pushfd
	or dword [esp], 0x1000		; IOPL 1
	popfd
	sti
	jmp to_user

; Ring 3 at user_main by RETF, with the kernel's EFLAGS.
to_user:
	mov ax, 0x20 | 3
	mov ds, ax
	mov es, ax
	push 0x20 | 3			; SS
	push USER_STACK_TOP		; ESP
	push 0x18 | 3			; CS
	push user_main
	retf

; The system call: print what ring 3 saw, then the second round (interrupts off) or the end.
syscall_entry:
	mov esi, msg_user
	call print_hex32_line		; EAX: what ring 3's PUSHF showed of IOPL and IF
	mov ax, 0x10
	mov ds, ax
	mov es, ax
	inc dword [rounds]
	cmp dword [rounds], 2
	je .done
	mov esp, KERNEL_STACK_TOP
	cli				; the gate cleared IF already: the second round runs with IF clear
	jmp to_user
.done:
	xor al, al
	jmp exit

user_main:
	pushfd
	pop eax
	and eax, 0x3200
	int 0x80

%include "../lib/kernel.inc"

rounds:		dd 0
msg_user:	db "retf-to-user: ring 3 runs with IOPL|IF ", 0

image_end:
