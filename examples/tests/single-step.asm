; single-step.asm - EFLAGS.TF: a #DB trap after every instruction.
;
; The kernel sets TF with POPFD (the first trap comes after the instruction
; that follows it), runs a few instructions, a loop and a call, and its #DB
; handler records each return address (less `main`) until it clears TF in the
; frame. Then it prints the addresses, the count and DR6.BS.

bits 32
org 0x100000

%include "../lib/multiboot.inc"
%include "../lib/start.inc"

main:
	call load_gdt
	call build_idt
	mov eax, debug_trap
	mov ecx, 1
	call set_gate
	lidt [idt_descriptor]
	xor eax, eax
	mov dr6, eax
	mov ecx, 2
	pushfd
	or dword [esp], 0x100		; TF
	popfd
	nop				; traps after this
step_loop:
	add eax, ecx
	loop step_loop
	call stepped
	nop				; the handler clears TF after this
	nop
	mov ebx, eax
	mov eax, [steps]
	mov esi, msg_steps
	call print_hex32_line
	xor esi, esi
.print:
	mov eax, [trace + esi * 4]
	push esi
	mov esi, msg_at
	call print_hex32_line
	pop esi
	inc esi
	cmp esi, [steps]
	jb .print
	mov eax, ebx
	mov esi, msg_eax
	call print_hex32_line
	mov eax, dr6
	and eax, 0x4000
	mov esi, msg_dr6
	call print_hex32_line
	xor al, al
	jmp exit

stepped:
	add eax, 0x10
	ret

debug_trap:
	push eax
	push ebx
	mov ebx, [steps]
	mov eax, [esp + 8]		; EIP after the instruction that trapped
	sub eax, main
	mov [trace + ebx * 4], eax
	inc dword [steps]
	cmp dword [steps], 10
	jb .on
	and dword [esp + 16], ~0x100	; TF off in the frame's EFLAGS
.on:
	pop ebx
	pop eax
	iretd

%include "../lib/kernel.inc"
%include "../lib/flat-gdt.inc"

steps:		dd 0
trace:		times 16 dd 0
msg_steps:	db "single-step: #DB traps ", 0
msg_at:		db "single-step: after the instruction ending at main + ", 0
msg_eax:	db "single-step: EAX ", 0
msg_dr6:	db "single-step: DR6.BS ", 0

image_end:
