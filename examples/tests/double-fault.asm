; double-fault.asm - exceptions raised while delivering exceptions.
;
; 1. #DE whose gate is not present: the #NP that delivery raises is
;    contributory like #DE, so the CPU delivers #DF (error code 0) instead.
; 2. #PF whose gate is not present: a #PF followed by a contributory fault is
;    a #DF too.
; 3. INT3 (a benign trap) whose gate is not present: the #NP is delivered on
;    its own, with the error code naming the IDT entry.
; Each handler reports the vector, the error code and the saved EIP, which it
; then moves past the faulting instruction.

bits 32
org 0x100000

PAGE_DIR	equ 0x00200000
PAGE_TABLE	equ 0x00201000

%include "../lib/multiboot.inc"
%include "../lib/start.inc"
%include "../lib/paging-on.inc"

main:
	call load_gdt
	call build_idt
	mov eax, double_fault
	mov ecx, 8
	call set_gate
	mov eax, not_present
	mov ecx, 11
	call set_gate
	mov byte [idt + 0 * 8 + 5], 0x0E	; #DE gate: not present
	mov byte [idt + 14 * 8 + 5], 0x0E	; #PF gate: not present
	mov byte [idt + 3 * 8 + 5], 0x0E	; #BP gate: not present
	lidt [idt_descriptor]
	call build_identity_map
	PAGING_ON

	mov dword [skip], 2
	xor ecx, ecx
	div ecx				; 2 bytes
	mov dword [skip], 5
	mov eax, [0x00800000]		; 5 bytes (A1 + address): not mapped
	mov dword [skip], 1		; the #NP comes back to the INT3 (a fault): step over it
	int3
	xor al, al
	jmp exit

double_fault:
	mov eax, 8
	jmp report
not_present:
	mov eax, 11
report:
	mov esi, msg_vector
	call print_hex32_line
	mov eax, [esp]
	mov esi, msg_code
	call print_hex32_line
	mov eax, [esp + 4]
	sub eax, main
	mov esi, msg_eip
	call print_hex32_line
	add esp, 4			; the error code
	mov eax, [skip]
	add [esp], eax
	iretd

%include "../lib/kernel.inc"
%include "../lib/identity-map.inc"
%include "../lib/flat-gdt.inc"

skip:		dd 0
msg_vector:	db "double-fault: vector ", 0
msg_code:	db "double-fault: error code ", 0
msg_eip:	db "double-fault: EIP - main ", 0

image_end:
