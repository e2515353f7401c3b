; code-remap.asm - different code at the same linear address.
;
; Two address spaces map different code at FUNCTION (as two processes would);
; the kernel switches CR3 and calls it, over and over. Then one space remaps
; FUNCTION's page between the two code frames (a PTE store and INVLPG) before
; each call. Last, an instruction that straddles two pages at SPLIT runs while
; its second page is remapped between two frames holding different bytes of
; its immediate. Then code remaps its own page: a MOV CR3 whose next
; instruction is fetched from another frame in the space it loads, and an
; INVLPG after a store to its own page's PTE. Code translated for a linear
; address is only good while that address maps the bytes it was translated from.

bits 32
org 0x100000

DIR_A		equ 0x00200000
DIR_B		equ 0x00201000
PAGE_TABLE	equ 0x00202000	; 0-4 MiB identity, shared
PAGE_DIR	equ DIR_A		; the directory identity-map.inc fills
TABLE_A		equ 0x00203000	; 4-8 MiB of space A
TABLE_B		equ 0x00204000	; 4-8 MiB of space B
CODE_A		equ 0x00300000	; frames holding code
CODE_B		equ 0x00301000
SPLIT_FIRST	equ 0x00302000	; the first page of the straddling instruction
SPLIT_SECOND_A	equ 0x00303000	; two versions of its second page
SPLIT_SECOND_B	equ 0x00304000
SWITCH_A	equ 0x00305000	; SWITCH in space A and in space B
SWITCH_B	equ 0x00306000
REMAP_A		equ 0x00307000	; the two frames REMAP flips between
REMAP_B		equ 0x00308000
FUNCTION	equ 0x00400000	; linear, in both spaces
SPLIT		equ 0x00401FFE	; linear: mov eax, imm32 across 0x00402000
SWITCH		equ 0x00403000	; linear, in both spaces: mov cr3, eax; mov eax, imm32; ret
REMAP		equ 0x00404000	; linear, space A: mov [its PTE], ebx; invlpg [REMAP]; mov eax, imm32; ret
PASSES		equ 50

%define SLOT(linear) (((linear) >> 12) & 0x3FF) * 4

%include "../lib/multiboot.inc"
%include "../lib/start.inc"

main:
	call load_gdt
	call build_idt
	lidt [idt_descriptor]
	call build_spaces
	mov eax, DIR_A
	mov cr3, eax
	mov eax, cr0
	or eax, 0x80000000		; CR0.PG
	mov cr0, eax

	; Two spaces, one linear address, two functions.
	xor ebx, ebx
	mov ecx, PASSES
switch_pass:
	mov eax, DIR_A
	mov cr3, eax
	call FUNCTION
	add ebx, eax
	rol ebx, 3
	mov eax, DIR_B
	mov cr3, eax
	call FUNCTION
	xor ebx, eax
	loop switch_pass
	mov eax, ebx
	mov esi, msg_spaces
	call print_hex32_line

	; One space, FUNCTION's page remapped before each call.
	mov eax, DIR_A
	mov cr3, eax
	xor ebx, ebx
	mov ecx, PASSES
remap_pass:
	mov eax, CODE_A | 3
	test cl, 1
	jz .even
	mov eax, CODE_B | 3
.even:
	mov [TABLE_A + SLOT(FUNCTION)], eax
	invlpg [FUNCTION]
	call FUNCTION
	add ebx, eax
	rol ebx, 5
	loop remap_pass
	mov eax, ebx
	mov esi, msg_remapped
	call print_hex32_line

	; The second page of a straddling instruction remapped before each call.
	xor ebx, ebx
	mov ecx, PASSES
split_pass:
	mov eax, SPLIT_SECOND_A | 3
	test cl, 1
	jz .even
	mov eax, SPLIT_SECOND_B | 3
.even:
	mov [TABLE_A + SLOT(SPLIT + 2)], eax
	invlpg [SPLIT + 2]
	call SPLIT
	add ebx, eax
	rol ebx, 7
	loop split_pass
	mov eax, ebx
	mov esi, msg_split
	call print_hex32_line

	; The instruction after a MOV CR3 comes from the other space's frame.
	xor ebx, ebx
	mov ecx, PASSES
switch_self_pass:
	mov eax, DIR_B
	call SWITCH			; loads DIR_B: returns space B's immediate, in space B
	add ebx, eax
	rol ebx, 9
	mov eax, DIR_A
	call SWITCH			; and back
	xor ebx, eax
	loop switch_self_pass
	mov eax, ebx
	mov esi, msg_switch
	call print_hex32_line

	; REMAP's PTE flipped by REMAP itself: after its INVLPG the rest comes from the other frame.
	xor ebx, ebx
	mov ecx, PASSES
remap_self_pass:
	mov edx, ebx
	mov ebx, REMAP_B | 3
	test cl, 1
	jz .even
	mov ebx, REMAP_A | 3
.even:
	call REMAP
	add edx, eax
	rol edx, 11
	mov ebx, edx
	loop remap_self_pass
	mov eax, ebx
	mov esi, msg_remap_self
	call print_hex32_line

	xor al, al
	jmp exit

; Both spaces map 0-4 MiB through PAGE_TABLE; FUNCTION is CODE_A in space A and
; CODE_B in space B; space A also maps SPLIT's two pages. The code frames are
; written here: mov eax, imm32; ret.
build_spaces:
	mov edi, DIR_A
	xor eax, eax
	mov ecx, 5 * 1024		; the directories and tables, 0x00200000-0x00204fff
	rep stosd
	call build_identity_map
	mov dword [DIR_B], PAGE_TABLE | 3
	mov dword [DIR_A + (FUNCTION >> 22) * 4], TABLE_A | 3
	mov dword [DIR_B + (FUNCTION >> 22) * 4], TABLE_B | 3
	mov dword [TABLE_A + SLOT(FUNCTION)], CODE_A | 3
	mov dword [TABLE_B + SLOT(FUNCTION)], CODE_B | 3
	mov dword [TABLE_A + SLOT(SPLIT)], SPLIT_FIRST | 3
	mov dword [TABLE_A + SLOT(SPLIT + 2)], SPLIT_SECOND_A | 3
	mov byte [CODE_A], 0xB8
	mov dword [CODE_A + 1], 0xAAAA0001
	mov byte [CODE_A + 5], 0xC3
	mov byte [CODE_B], 0xB8
	mov dword [CODE_B + 1], 0xBBBB0002
	mov byte [CODE_B + 5], 0xC3
	mov word [SPLIT_FIRST + 0xFFE], 0x11B8	; mov eax, imm32 with low byte 0x11
	mov dword [SPLIT_SECOND_A], 0xC3AAAAAA	; the other three bytes, then ret
	mov dword [SPLIT_SECOND_B], 0xC3BBBBBB
	mov dword [TABLE_A + SLOT(SWITCH)], SWITCH_A | 3
	mov dword [TABLE_B + SLOT(SWITCH)], SWITCH_B | 3
	mov edi, SWITCH_A
	mov edx, 0xCCCC0003
	call write_switch
	mov edi, SWITCH_B
	mov edx, 0xDDDD0004
	call write_switch
	mov dword [TABLE_A + SLOT(REMAP)], REMAP_A | 3
	mov edi, REMAP_A
	mov edx, 0xEEEE0005
	call write_remap
	mov edi, REMAP_B
	mov edx, 0xFFFF0006
	call write_remap
	ret

; write_switch: at EDI, mov cr3, eax; mov eax, EDX; ret.
write_switch:
	mov dword [edi], 0xB8D8220F		; 0F 22 D8 (mov cr3, eax), B8 (mov eax, imm32)
	mov [edi + 4], edx
	mov byte [edi + 8], 0xC3
	ret

; write_remap: at EDI, mov [REMAP's PTE], ebx; invlpg [REMAP]; mov eax, EDX; ret.
write_remap:
	mov word [edi], 0x1D89			; 89 1D disp32 (mov [disp32], ebx)
	mov dword [edi + 2], TABLE_A + SLOT(REMAP)
	mov byte [edi + 6], 0x0F		; 0F 01 3D disp32 (invlpg [disp32])
	mov word [edi + 7], 0x3D01
	mov dword [edi + 9], REMAP
	mov byte [edi + 13], 0xB8
	mov [edi + 14], edx
	mov byte [edi + 18], 0xC3
	ret

%include "../lib/kernel.inc"
%include "../lib/identity-map.inc"
%include "../lib/flat-gdt.inc"

msg_spaces:	db "code-remap: two spaces, one linear address: ", 0
msg_remapped:	db "code-remap: the code page remapped each call: ", 0
msg_split:	db "code-remap: the second page of an instruction remapped: ", 0
msg_switch:	db "code-remap: the page of a MOV CR3 in the space it loads: ", 0
msg_remap_self:	db "code-remap: a page remapped by its own PTE store and INVLPG: ", 0

image_end:
