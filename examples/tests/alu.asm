; alu.asm - a checksum over many ALU instructions and the flags they define, per group.
;
; Every operation runs on all 16 x 16 pairs from `values`; its result and the
; flags the manuals DEFINE for it (undefined ones are masked out) are folded into
; a checksum. One line per group, so two engines that disagree point at the
; instruction. The values come from QEMU; division, bit scans, setcc and a mix of
; moves have their own routines (division skips the pairs that would fault).

bits 32
org 0x100000

ARITH_FLAGS	equ 0x8D5	; OF SF ZF AF PF CF
LOGIC_FLAGS	equ 0x8C5	; OF SF ZF PF CF (AF is undefined)
SHIFT_FLAGS	equ 0x0C5	; SF ZF PF CF (OF only defined for a count of 1)
ROTATE_FLAGS	equ 0x001	; CF
MUL_FLAGS	equ 0x801	; OF CF
BCD_FLAGS	equ 0x0D5	; SF ZF AF PF CF
AAM_FLAGS	equ 0x0C4	; SF ZF PF
VALUE_COUNT	equ 16

%include "../lib/multiboot.inc"

start:
	mov esp, 0x00090000
	call serial_init
	xor ebp, ebp			; running total over all groups
	mov esi, groups
.group:
	mov edi, [esi]			; the operation
	call run_group
	push esi
	mov esi, [esi + 4]		; its name
	mov eax, ebx
	call print_hex32_line
	pop esi
	rol ebp, 7
	xor ebp, ebx
	add esi, 8
	cmp esi, groups_end
	jb .group
	mov eax, ebp
	mov esi, name_total
	call print_hex32_line
	xor al, al
	jmp exit

; run_group: EBX = checksum of operation EDI over every pair (a, b) of values.
; The operation gets EAX = a, ECX = b and returns a result in EAX and flags in EDX;
; it may change ECX and EDX only.
run_group:
	push esi
	push ebp
	xor ebx, ebx
	xor esi, esi			; index of a
.a:
	xor ebp, ebp			; index of b
.b:
	mov eax, [values + esi * 4]
	mov ecx, [values + ebp * 4]
	call edi
	rol ebx, 5
	xor ebx, eax
	imul ebx, ebx, 0x01000193	; spread each bit over the whole checksum
	add ebx, edx
	inc ebp
	cmp ebp, VALUE_COUNT
	jb .b
	inc esi
	cmp esi, VALUE_COUNT
	jb .a
	pop ebp
	pop esi
	ret

; The operations. Each jumps to the tail that keeps the flags it defines.
op_add:
	add eax, ecx
	jmp flags_arith
op_adc:
	bt ecx, 0			; carry in: bit 0 of b
	adc eax, ecx
	jmp flags_arith
op_sub:
	sub eax, ecx
	jmp flags_arith
op_sbb:
	bt eax, 1			; borrow in: bit 1 of a
	sbb eax, ecx
	jmp flags_arith
op_inc:
	bt ecx, 0			; inc keeps CF: give it a known one
	inc eax
	jmp flags_arith
op_dec:
	bt ecx, 0
	dec eax
	jmp flags_arith
op_neg:
	neg eax
	jmp flags_arith
op_and:
	and eax, ecx
	jmp flags_logic
op_or:
	or eax, ecx
	jmp flags_logic
op_xor:
	xor eax, ecx
	jmp flags_logic
op_test:
	test eax, ecx
	jmp flags_logic
op_shl:
	cmp eax, ecx		; a count of 0 leaves these flags
	shl eax, cl
	jmp flags_shift
op_shr:
	cmp eax, ecx
	shr eax, cl
	jmp flags_shift
op_sar:
	cmp eax, ecx
	sar eax, cl
	jmp flags_shift
op_rol:
	cmp eax, ecx
	rol eax, cl
	jmp flags_rotate
op_ror:
	cmp eax, ecx
	ror eax, cl
	jmp flags_rotate
op_rcl:
	bt eax, 5
	rcl eax, cl
	jmp flags_rotate
op_rcr:
	bt eax, 5
	rcr eax, cl
	jmp flags_rotate
op_shld:
	cmp eax, ecx
	shld eax, ecx, cl
	jmp flags_shift
op_shrd:
	cmp eax, ecx
	shrd eax, ecx, cl
	jmp flags_shift
op_mul:
	mul ecx
	pushfd
	rol edx, 16		; fold the high half in
	xor eax, edx
	popfd
	jmp flags_mul
op_imul1:
	imul ecx
	pushfd
	rol edx, 16
	xor eax, edx
	popfd
	jmp flags_mul
op_imul2:
	imul eax, ecx
	jmp flags_mul
op_imul3:
	imul eax, ecx, -7
	jmp flags_mul
op_bt:
	bt eax, ecx
	jmp flags_rotate
op_bts:
	bts eax, ecx
	jmp flags_rotate
op_btr:
	btr eax, ecx
	jmp flags_rotate
op_btc:
	btc eax, ecx
	jmp flags_rotate
op_daa:
	add al, cl			; daa adjusts after an add
	daa
	jmp flags_bcd
op_das:
	sub al, cl
	das
	jmp flags_bcd
op_aam:
	aam
	jmp flags_aam
op_aad:
	mov ah, cl
	aad
	jmp flags_aam
op_xadd:
	xadd eax, ecx
	add eax, ecx
	jmp flags_arith

; div/idiv: quotient and remainder; no flags are defined. Pairs that would raise
; #DE (b = 0, or a quotient that does not fit) give 0 instead.
op_div:
	test ecx, ecx
	jz no_result
	xor edx, edx
	div ecx
	jmp fold_edx
op_idiv:
	test ecx, ecx
	jz no_result
	cmp ecx, -1
	jne .fits
	cmp eax, 0x80000000
	je no_result
.fits:
	cdq
	idiv ecx
fold_edx:
	rol edx, 16
	xor eax, edx
	xor edx, edx
	ret
no_result:
	xor eax, eax
	xor edx, edx
	ret

; bsf/bsr: the destination is undefined for a zero source, so that pair gives 0.
op_bsf:
	test ecx, ecx
	jz no_result
	bsf eax, ecx
	xor edx, edx
	ret
op_bsr:
	test ecx, ecx
	jz no_result
	bsr eax, ecx
	xor edx, edx
	ret

; setcc: eight conditions after cmp a, b, two bits per byte of the result.
op_setcc:
	cmp eax, ecx
	seto [conditions]
	setb [conditions + 1]
	sete [conditions + 2]
	setbe [conditions + 3]
	sets [conditions + 4]
	setp [conditions + 5]
	setl [conditions + 6]
	setle [conditions + 7]
	mov eax, [conditions]
	mov edx, [conditions + 4]
	shl edx, 1
	or eax, edx
	xor edx, edx
	ret

; Moves and conversions that touch no flags.
op_moves:
	bswap eax
	movsx edx, cl
	xor eax, edx
	movzx edx, ch
	lea eax, [eax + edx * 4 + 0x1234]
	xchg al, ah
	not eax
	cwde				; sign-extend AX into EAX
	xor eax, ecx
	cdq				; EDX = sign of EAX
	xor eax, edx
	xor edx, edx
	ret

flags_arith:
	pushfd
	pop edx
	and edx, ARITH_FLAGS
	ret
flags_logic:
	pushfd
	pop edx
	and edx, LOGIC_FLAGS
	ret
flags_shift:
	pushfd
	pop edx
	and edx, SHIFT_FLAGS
	ret
flags_rotate:
	pushfd
	pop edx
	and edx, ROTATE_FLAGS
	ret
flags_mul:
	pushfd
	pop edx
	and edx, MUL_FLAGS
	ret
flags_bcd:
	pushfd
	pop edx
	and edx, BCD_FLAGS
	ret
flags_aam:
	pushfd
	pop edx
	and edx, AAM_FLAGS
	ret

%include "../lib/serial.inc"
%include "../lib/print.inc"
%include "../lib/exit.inc"

values:
	dd 0, 1, 2, 0x7F, 0x80, 0xFF, 0x7FFF, 0x8000
	dd 0x7FFFFFFF, 0x80000000, 0xFFFFFFFF, 0x12345678, 0xDEADBEEF, 31, 33, 0x00010001
conditions:	dd 0, 0

; The groups, in the order printed: operation, name.
groups:
	dd op_add, name_add
	dd op_adc, name_adc
	dd op_sub, name_sub
	dd op_sbb, name_sbb
	dd op_inc, name_inc
	dd op_dec, name_dec
	dd op_neg, name_neg
	dd op_and, name_and
	dd op_or, name_or
	dd op_xor, name_xor
	dd op_test, name_test
	dd op_shl, name_shl
	dd op_shr, name_shr
	dd op_sar, name_sar
	dd op_rol, name_rol
	dd op_ror, name_ror
	dd op_rcl, name_rcl
	dd op_rcr, name_rcr
	dd op_shld, name_shld
	dd op_shrd, name_shrd
	dd op_mul, name_mul
	dd op_imul1, name_imul1
	dd op_imul2, name_imul2
	dd op_imul3, name_imul3
	dd op_bt, name_bt
	dd op_bts, name_bts
	dd op_btr, name_btr
	dd op_btc, name_btc
	dd op_daa, name_daa
	dd op_das, name_das
	dd op_aam, name_aam
	dd op_aad, name_aad
	dd op_xadd, name_xadd
	dd op_div, name_div
	dd op_idiv, name_idiv
	dd op_bsf, name_bsf
	dd op_bsr, name_bsr
	dd op_setcc, name_setcc
	dd op_moves, name_moves
groups_end:

name_add:	db "alu add: ", 0
name_adc:	db "alu adc: ", 0
name_sub:	db "alu sub: ", 0
name_sbb:	db "alu sbb: ", 0
name_inc:	db "alu inc: ", 0
name_dec:	db "alu dec: ", 0
name_neg:	db "alu neg: ", 0
name_and:	db "alu and: ", 0
name_or:		db "alu or: ", 0
name_xor:	db "alu xor: ", 0
name_test:	db "alu test: ", 0
name_shl:	db "alu shl: ", 0
name_shr:	db "alu shr: ", 0
name_sar:	db "alu sar: ", 0
name_rol:	db "alu rol: ", 0
name_ror:	db "alu ror: ", 0
name_rcl:	db "alu rcl: ", 0
name_rcr:	db "alu rcr: ", 0
name_shld:	db "alu shld: ", 0
name_shrd:	db "alu shrd: ", 0
name_mul:	db "alu mul: ", 0
name_imul1:	db "alu imul1: ", 0
name_imul2:	db "alu imul2: ", 0
name_imul3:	db "alu imul3: ", 0
name_bt:		db "alu bt: ", 0
name_bts:	db "alu bts: ", 0
name_btr:	db "alu btr: ", 0
name_btc:	db "alu btc: ", 0
name_daa:	db "alu daa: ", 0
name_das:	db "alu das: ", 0
name_aam:	db "alu aam: ", 0
name_aad:	db "alu aad: ", 0
name_xadd:	db "alu xadd: ", 0
name_div:	db "alu div: ", 0
name_idiv:	db "alu idiv: ", 0
name_bsf:	db "alu bsf: ", 0
name_bsr:	db "alu bsr: ", 0
name_setcc:	db "alu setcc: ", 0
name_moves:	db "alu moves: ", 0
name_total:	db "alu total: ", 0

image_end:
