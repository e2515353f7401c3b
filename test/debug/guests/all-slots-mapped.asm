; A guest the monitor cannot virtualize: its page directory maps every 4 MiB
; slot (all to the same identity table), so the monitor's region has nowhere
; to move when paging turns on. On a bare machine it simply exits.

bits 32
org 0x100000

PAGE_DIR	equ 0x00200000
PAGE_TABLE	equ 0x00201000

%include "../../../examples/lib/multiboot.inc"

start:
	mov esp, 0x00090000
	call build_identity_map
	mov ecx, 1023
.map:
	mov dword [PAGE_DIR + ecx * 4], PAGE_TABLE | 3
	loop .map
	mov eax, PAGE_DIR
	mov cr3, eax
	mov eax, cr0
	or eax, 0x80000000
	mov cr0, eax			; paging on: the monitor's slot is mapped, and every other one
	mov dx, 0xf4			; isa-debug-exit
	xor al, al			; V = 0: exit code 1
	out dx, al
	jmp $

%include "../../../examples/lib/identity-map.inc"
image_end:
