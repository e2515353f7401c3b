; top-slot-accesses.asm - a ring-0 kernel storing system registers (SGDT,
; SIDT, SMSW, STR, SLDT) to addresses in the top 4 MiB, which its page tables
; leave unmapped, and loading them (LGDT, LIDT, LMSW, LLDT, MOV to a segment
; register) from there.
;
; Each access is the kernel's own #PF (error code 2 for the stores, 0 for the
; loads; CR2 the address), which it steps over. Afterwards it reloads its
; segments: a monitor whose shadow GDT sits there must take these accesses as
; the guest's faults, neither writing its tables nor reading them to the
; guest.

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
	PROBE lgdt [TOP]
	PROBE lidt [TOP + 0x08]
	PROBE lmsw [TOP + 0x10]
	PROBE lldt [TOP + 0x18]
	PROBE mov ds, [TOP + 0x20]
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

probe_name:	db "top-slot-accesses: ", 0
msg_faults:	db "top-slot-accesses: page faults taken ", 0

image_end:
