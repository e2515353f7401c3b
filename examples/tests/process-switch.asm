; process-switch.asm - two ring-3 processes, each in its own address space
; with its own kernel stack, switched on every system call.
;
; Both address spaces map 0-4 MiB one-to-one (user pages: the shared user code
; runs there) and give linear 4 MiB (PRIVATE) a frame of their own, which holds
; the process's counter and its user stack. INT 0x80 with EAX = 1 yields: the
; kernel saves the registers on the process's kernel stack, loads the other
; process's CR3, points TSS.ESP0 at its kernel stack and returns into it with
; IRETD. EAX = 2 ends a process. Every system call is a change of address space
; and of ring-0 stack, as in a real kernel's context switch: a monitor must
; follow both at once (its shadow page tables, the ring-0 stack it delivers
; on), while the guest's descriptor tables stay the same.

bits 32
org 0x100000

ROUNDS_A	equ 300
ROUNDS_B	equ 200
EXPECTED_A	equ ROUNDS_A
EXPECTED_B	equ ROUNDS_B
SYS_YIELD	equ 1
SYS_EXIT	equ 2

%include "../lib/multiboot.inc"
%include "../lib/start.inc"
%include "../lib/user-mode.inc"
%include "../lib/paging-on.inc"
%include "../lib/two-processes.inc"

main:
	SYSCALL_KERNEL syscall_entry
	call build_spaces
	PAGING_ON
	; Process 1 starts when process 0 first yields: its kernel stack holds what a yield leaves there.
	mov esp, KERNEL_STACKS - 0x1000
	push 0x20 | 3			; SS
	push USER_STACK_TOP		; ESP
	push 0x00000002			; EFLAGS
	push 0x18 | 3			; CS
	push user_code			; EIP
	mov ecx, ROUNDS_B
	pushad				; ECX: the rounds to run
	mov [saved_esp + 4], esp
	; Process 0 runs now, on its own kernel stack.
	mov esp, KERNEL_STACKS
	mov dword [tss + 4], KERNEL_STACKS
	mov ecx, ROUNDS_A
	ENTER_RING3 user_code

; Both processes run this code, each on its own private page. ECX: rounds.
user_code:
.round:
	inc dword [PRIVATE]		; this process's own counter
	push ecx
	mov eax, SYS_YIELD
	int 0x80
	pop ecx
	loop .round
	mov eax, SYS_EXIT
	int 0x80
	jmp $				; not reached

; INT 0x80 from ring 3, on the current process's kernel stack.
syscall_entry:
	pushad
	mov ebx, [current]
	cmp eax, SYS_EXIT
	jne .switch
	mov dword [finished + ebx * 4], 1
	xor ebx, 1
	cmp dword [finished + ebx * 4], 0
	jne all_finished
	jmp .enter			; the other process runs on, from where it yielded
.switch:
	mov [saved_esp + ebx * 4], esp
	xor ebx, 1
	cmp dword [finished + ebx * 4], 0
	je .enter
	xor ebx, 1			; the other has finished: this one goes on
.enter:
	inc dword [switches]
	jmp enter_process

all_finished:
	mov eax, [switches]
	mov esi, msg_switches
	call print_hex32_line
	jmp report_counts

%include "../lib/kernel.inc"
%include "../lib/user-gdt.inc"

switches:	dd 0
msg_counter_a:	db "process-switch: process 0 counted ", 0
msg_counter_b:	db "process-switch: process 1 counted ", 0
msg_switches:	db "process-switch: switches ", 0

image_end:
