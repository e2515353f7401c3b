; overlap.asm - the same bytes run as different instructions, depending on
; where execution enters them.
;
; Each sequence below starts with B8, mov eax, imm32; entered one byte later,
; the immediate's bytes are instructions of their own: an add, a privileged
; mov from CR0, a ud2 whose #UD handler steps over it. Passes alternate between
; the two entries, so a translator sees both decodings of one range again and
; again and must keep them apart (by entry address, not by byte range). Last,
; a jmp whose target is its own second byte (EB FF), which then runs as inc or
; dec eax.

bits 32
org 0x100000

PASSES		equ 100

%include "../lib/multiboot.inc"
%include "../lib/start.inc"

main:
	call load_gdt
	call build_idt
	mov ecx, 6
	mov eax, invalid_opcode
	call set_gate
	lidt [idt_descriptor]

	xor ebp, ebp			; checksum
	xor ebx, ebx
	xor edi, edi			; #UD count
	mov ecx, PASSES
pass:
	mov edx, add_whole		; odd passes enter at the first byte,
	test cl, 1
	jnz .enter_add
	inc edx				; even ones one byte in
.enter_add:
	mov eax, ecx
	jmp edx
add_whole:
	db 0xB8				; mov eax, 0x9007C383
	db 0x83, 0xC3, 0x07		; one byte in: add ebx, 7
	db 0x90				; nop
	add ebp, eax
	add ebp, ebx
	rol ebp, 3

	mov edx, cr0_whole
	test cl, 2
	jnz .enter_cr0
	inc edx
.enter_cr0:
	mov eax, ecx
	jmp edx
cr0_whole:
	db 0xB8				; mov eax, 0x90C0200F
	db 0x0F, 0x20, 0xC0		; one byte in: mov eax, cr0
	db 0x90				; nop
	and eax, 0xF0000011		; PG, CD, NW, ET, PE: fixed while this runs
	xor ebp, eax
	rol ebp, 5

	mov edx, ud2_whole
	test cl, 4
	jnz .enter_ud2
	inc edx
.enter_ud2:
	mov eax, ecx
	jmp edx
ud2_whole:
	db 0xB8				; mov eax, 0x90900B0F
	db 0x0F, 0x0B			; one byte in: ud2 (the handler skips it)
	db 0x90, 0x90			; nop, nop
	add ebp, eax
	rol ebp, 7

	mov eax, ecx
	test cl, 8
	jnz .dec
	db 0xEB, 0xFF, 0xC0		; jmp to its own second byte: inc eax
	jmp .folded
.dec:
	db 0xEB, 0xFF, 0xC8		; the same with dec eax
.folded:
	add ebp, eax
	dec ecx
	jnz pass

	mov eax, ebp
	mov esi, msg_checksum
	call print_hex32_line
	mov eax, ebx
	mov esi, msg_adds
	call print_hex32_line
	mov eax, edi
	mov esi, msg_ud
	call print_hex32_line
	xor al, al
	jmp exit

; #UD: count it and step over the two-byte ud2.
invalid_opcode:
	inc edi
	add dword [esp], 2
	iretd

%include "../lib/kernel.inc"
%include "../lib/flat-gdt.inc"

msg_checksum:	db "overlap: checksum over both decodings ", 0
msg_adds:	db "overlap: add ebx, 7 ran for a total of ", 0
msg_ud:		db "overlap: ud2 ran this many times: ", 0

image_end:
