; selfmod-rings.asm - code that rewrites the very next instruction on every
; pass, at ring 0 and at ring 3, directly and through a second mapping.
;
; No jump separates a store from the instruction it patches: the CPU must
; notice that the bytes it is about to run changed (every IA-32 since the
; Pentium Pro does; QEMU does). The second pass of each ring writes the code
; through ALIAS, another linear mapping of the same frames, so only the
; physical address says that the store hit code. Last, ring 0 and ring 3 call
; one shared function and each patches it for the other.

bits 32
org 0x100000

USER_STACK_TOP	equ 0x00080000
PAGE_DIR	equ 0x00200000
PAGE_TABLE	equ 0x00201000	; 0-4 MiB, user and writable
ALIAS		equ 0x00800000	; 8-12 MiB: the same frames again
PASSES		equ 64

%include "../lib/multiboot.inc"
%include "../lib/start.inc"
%include "../lib/user-mode.inc"
%include "../lib/paging-on.inc"

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
	call build_tables
	PAGING_ON

	; Ring 0: each pass writes the immediate of the add right after the store.
	xor ebx, ebx
	mov ecx, PASSES
kernel_pass:
	mov edx, cr0			; privileged: a translator calls out here, mid-block
	mov eax, ecx
	imul eax, eax, 0x9E3779B1
	mov [kernel_imm], eax
	db 0x81, 0xC3			; add ebx, imm32 (encoded by hand: the
kernel_imm:				; immediate's offset is certain)
	dd 0
	rol ebx, 5
	loop kernel_pass
	mov eax, ebx
	mov esi, msg_kernel
	call print_hex32_line

	; Ring 0 through the alias.
	xor ebx, ebx
	mov ecx, PASSES
kernel_alias_pass:
	mov eax, ecx
	imul eax, eax, 0x85EBCA6B
	mov [ALIAS + kernel_alias_imm], eax
	db 0x81, 0xF3			; xor ebx, imm32
kernel_alias_imm:
	dd 0
	rol ebx, 3
	add ebx, ecx
	loop kernel_alias_pass
	mov eax, ebx
	mov esi, msg_kernel_alias
	call print_hex32_line

	call shared_function
	mov esi, msg_shared_kernel
	call print_hex32_line

	ENTER_RING3 user_main

; int 0x80 from ring 3: EDI = 1 prints the label at ESI and EAX; EDI = 2
; calls the shared function as ring 3 left it, prints the result and exits.
syscall_entry:
	cmp edi, 1
	je .print
	cmp edi, 2
	je .finish
	jmp unexpected
.print:
	call print_hex32_line
	iretd
.finish:
	call shared_function
	mov esi, msg_shared_after_user
	call print_hex32_line
	xor al, al
	jmp exit

; shared_function: EAX = an immediate both rings patch.
shared_function:
	db 0xB8				; mov eax, imm32
shared_imm:
	dd 0x11111111
	ret

user_main:
	; Ring 3: the same as ring 0, directly.
	xor ebx, ebx
	mov ecx, PASSES
user_pass:
	mov eax, ecx
	imul eax, eax, 0xC2B2AE35
	mov [user_imm], eax
	db 0x81, 0xC3			; add ebx, imm32
user_imm:
	dd 0
	rol ebx, 7
	loop user_pass
	mov eax, ebx
	mov esi, msg_user
	mov edi, 1
	int 0x80

	; Ring 3 through the alias, patching an opcode too: add and sub take turns.
	xor ebx, ebx
	mov ecx, PASSES
user_alias_pass:
	mov eax, ecx
	imul eax, eax, 0x27D4EB2F
	mov [ALIAS + user_alias_imm], eax
	mov al, 0xC3			; ModRM of add ebx, imm32
	test cl, 1
	jz .even
	mov al, 0xEB			; ModRM of sub ebx, imm32
.even:
	mov [ALIAS + user_alias_modrm], al
	db 0x81
user_alias_modrm:
	db 0xC3
user_alias_imm:
	dd 0
	rol ebx, 1
	loop user_alias_pass
	mov eax, ebx
	mov esi, msg_user_alias
	mov edi, 1
	int 0x80

	; The function ring 0 already ran, patched and run at ring 3.
	mov dword [shared_imm], 0x33333333
	call shared_function
	mov esi, msg_shared_user
	mov edi, 1
	int 0x80
	mov dword [shared_imm], 0x44444444
	mov edi, 2
	int 0x80
	jmp $				; not reached

; 0-4 MiB identity-mapped, user and writable; 8-12 MiB the same frames.
build_tables:
	mov edi, PAGE_DIR
	xor eax, eax
	mov ecx, 1024
	rep stosd
	mov dword [PAGE_DIR], PAGE_TABLE | 7
	mov dword [PAGE_DIR + (ALIAS >> 22) * 4], PAGE_TABLE | 7
	mov edi, PAGE_TABLE
	mov eax, 7
	mov ecx, 1024
.pte:
	stosd
	add eax, 0x1000
	loop .pte
	ret

%include "../lib/kernel.inc"
%include "../lib/user-gdt.inc"


msg_kernel:		db "selfmod-rings: ring 0, next instruction rewritten each pass: ", 0
msg_kernel_alias:	db "selfmod-rings: ring 0, rewritten through the alias: ", 0
msg_shared_kernel:	db "selfmod-rings: shared function at ring 0: ", 0
msg_user:		db "selfmod-rings: ring 3, next instruction rewritten each pass: ", 0
msg_user_alias:		db "selfmod-rings: ring 3, opcode and immediate through the alias: ", 0
msg_shared_user:	db "selfmod-rings: shared function patched and run at ring 3: ", 0
msg_shared_after_user:	db "selfmod-rings: shared function at ring 0 after ring 3 patched it: ", 0

image_end:
