; preemptive-switch.asm - two ring-3 processes, each in its own address space
; with its own kernel stack, switched by the timer.
;
; As process-switch.asm, but the processes run with interrupts on and never
; yield: the PIT's IRQ 0 comes in at ring 3 (a delivery with a switch to the
; ring-0 stack TSS.ESP0 names), and its handler switches CR3, TSS.ESP0 and the
; kernel stack to the other process before IRETD. Each process counts to
; COUNT in its private page and ends with INT 0x80. Where the ticks land is a
; matter of timing, so only the counts are printed: a monitor must deliver the
; interrupts at ring 3, follow every switch, and lose no count.

bits 32
org 0x100000

COUNT		equ 200000
EXPECTED_A	equ COUNT
EXPECTED_B	equ COUNT
PIT_DIVISOR	equ 100		; about 12 kHz
SYS_EXIT	equ 2

%include "../lib/multiboot.inc"
%include "../lib/start.inc"
%include "../lib/pit.inc"
%include "../lib/user-mode.inc"
%include "../lib/paging-on.inc"
%include "../lib/two-processes.inc"

main:
	SYSCALL_KERNEL syscall_entry
	call remap_pic
	mov ecx, 0			; the PIT's line
	mov eax, timer_entry
	call set_irq_handler
	call build_spaces
	PAGING_ON
	xor ebx, ebx
	call prepare_process
	mov ebx, 1
	call prepare_process
	PIT_PERIODIC PIT_DIVISOR
	; Ring 3 keeps DS-GS only if their DPL is 3 (an IRET outward nulls the others): the kernel runs on them too.
	mov ax, 0x20 | 3
	mov ds, ax
	mov es, ax
	mov fs, ax
	mov gs, ax
	xor ebx, ebx
	jmp enter_process

; Process EBX's kernel stack holds what an interrupt from ring 3 and PUSHAD leave there, at user_code.
prepare_process:
	mov edx, esp
	mov eax, ebx
	shl eax, 12
	neg eax
	add eax, KERNEL_STACKS
	mov esp, eax
	push 0x20 | 3			; SS
	push USER_STACK_TOP		; ESP
	push 0x00000202			; EFLAGS: interrupts on
	push 0x18 | 3			; CS
	push user_code			; EIP
	pushad
	mov [saved_esp + ebx * 4], esp
	mov esp, edx
	ret

; Both processes run this at ring 3, each on its own private page.
user_code:
	inc dword [PRIVATE]
	cmp dword [PRIVATE], COUNT
	jb user_code
	mov eax, SYS_EXIT
	int 0x80
	jmp $				; not reached

; IRQ 0: the other process runs next, unless it has finished.
timer_entry:
	pushad
	call end_of_irq
	mov ebx, [current]
	xor ebx, 1
	cmp dword [finished + ebx * 4], 0
	jne .stay
	xor ebx, 1
	mov [saved_esp + ebx * 4], esp
	xor ebx, 1
	jmp enter_process
.stay:
	popad
	iretd

; INT 0x80 with EAX = SYS_EXIT: this process is done.
syscall_entry:
	pushad
	mov ebx, [current]
	mov dword [finished + ebx * 4], 1
	xor ebx, 1
	cmp dword [finished + ebx * 4], 0
	jne report_counts
	jmp enter_process		; the other process runs on from where it was interrupted

%include "../lib/kernel.inc"
%include "../lib/pic.inc"
%include "../lib/irq.inc"
%include "../lib/user-gdt.inc"

msg_counter_a:	db "preemptive-switch: process 0 counted ", 0
msg_counter_b:	db "preemptive-switch: process 1 counted ", 0

image_end:
