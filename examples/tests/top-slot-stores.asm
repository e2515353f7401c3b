; top-slot-stores.asm - a ring-0 kernel storing system registers (SGDT, SIDT,
; SMSW, STR, SLDT) to addresses in the top 4 MiB, which its page tables leave
; unmapped.
;
; Each store is the kernel's own #PF (error code 2, CR2 the address); the
; handler counts it and steps over the instruction. Afterwards the kernel
; reloads its segments and prints what a store the monitor made for it would
; have corrupted: a monitor whose shadow GDT sits there must refuse these
; stores as the guest's faults, not take them into its tables.

bits 32
org 0x100000

PAGE_DIR	equ 0x00200000
PAGE_TABLE	equ 0x00201000	; 0-4 MiB, identity
TOP		equ 0xFFC00000

%include "../lib/multiboot.inc"
%include "../lib/start.inc"
%include "../lib/paging-on.inc"

main:
	call load_gdt
	call build_idt
	mov eax, page_fault
	mov ecx, 14
	call set_gate
	lidt [idt_descriptor]
	call build_identity_map
	PAGING_ON

	mov dword [resume], .after_sgdt
	sgdt [TOP]
.after_sgdt:
	call print_fault
	mov dword [resume], .after_sidt
	sidt [TOP + 0x08]
.after_sidt:
	call print_fault
	mov dword [resume], .after_smsw
	smsw [TOP + 0x10]
.after_smsw:
	call print_fault
	mov dword [resume], .after_str
	str [TOP + 0x18]
.after_str:
	call print_fault
	mov dword [resume], .after_sldt
	sldt [TOP + 0x1c]
.after_sldt:
	call print_fault

	; Selectors 0x08 and 0x10 once more: their descriptors must still be the kernel's.
	call load_gdt
	mov eax, [faults]
	mov esi, msg_faults
	call print_hex32_line
	xor al, al
	jmp exit

; The last fault's error code and CR2.
print_fault:
	mov eax, [fault_code]
	mov esi, msg_code
	call print_hex32_line
	mov eax, [fault_address]
	mov esi, msg_cr2
	call print_hex32_line
	ret

page_fault:
	pop dword [fault_code]
	push eax
	mov eax, cr2
	mov [fault_address], eax
	inc dword [faults]
	pop eax
	push dword [resume]
	pop dword [esp]			; the frame's EIP: resume where the kernel said
	iretd

%include "../lib/kernel.inc"
%include "../lib/identity-map.inc"
%include "../lib/flat-gdt.inc"

resume:		dd 0
faults:		dd 0
fault_code:	dd 0
fault_address:	dd 0
msg_code:	db "top-slot-stores: store faulted, error code ", 0
msg_cr2:	db "top-slot-stores: CR2 ", 0
msg_faults:	db "top-slot-stores: page faults taken ", 0

image_end:
