; exceptions.asm - provokes #DE, #UD, #BP, #GP and #PF; one handler reports and resumes.
;
; Before each provocation the kernel stores where to resume in `resume_at`; the
; shared handler prints the vector, the error code (or "none": not every exception
; pushes one), the saved EIP (a fault saves the faulting instruction, a trap such as
; int3 the next one) and, for #PF, CR2, then returns to `resume_at`.

bits 32
org 0x100000

PAGE_DIR	equ 0x00200000
PAGE_TABLE	equ 0x00201000
UNMAPPED	equ 0x00800000	; directory entry 2: not present
NO_ERROR	equ 0xFFFFFFFF	; stub marker: the CPU pushed no error code

%include "../lib/multiboot.inc"
%include "../lib/paging-on.inc"

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
	PAGING_ON
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

%include "../lib/identity-map.inc"
%include "../lib/kernel.inc"
%include "../lib/flat-gdt.inc"

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

image_end:
