; top-slot-stores.asm - a ring-0 kernel storing system registers (SGDT, SIDT,
; SMSW, STR, SLDT) to addresses in the top 4 MiB, which its page tables leave
; unmapped.
;
; Each store is the kernel's own #PF (error code 2, CR2 the address), which it
; steps over. Afterwards it reloads its segments: a monitor whose shadow GDT
; sits there must refuse these stores as the guest's faults, not take them
; into its tables.

bits 32
org 0x100000

PAGE_DIR	equ 0x00200000
PAGE_TABLE	equ 0x00201000	; 0-4 MiB, identity
TOP		equ 0xFFC00000

%include "../lib/multiboot.inc"
%include "../lib/start.inc"
%include "../lib/paging-on.inc"
%include "../lib/paged-kernel.inc"
%include "../lib/fault-probe.inc"

main:
	PAGED_KERNEL probe_page_fault
	PROBE sgdt [TOP]
	PROBE sidt [TOP + 0x08]
	PROBE smsw [TOP + 0x10]
	PROBE str [TOP + 0x18]
	PROBE sldt [TOP + 0x1c]
	; Selectors 0x08 and 0x10 once more: their descriptors must still be the kernel's.
	call load_gdt
	mov eax, [probe_faults]
	mov esi, msg_faults
	call print_hex32_line
	xor al, al
	jmp exit

%include "../lib/kernel.inc"
%include "../lib/identity-map.inc"
%include "../lib/flat-gdt.inc"

probe_name:	db "top-slot-stores: ", 0
msg_faults:	db "top-slot-stores: page faults taken ", 0

image_end:
