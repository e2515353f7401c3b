; strings.asm - the string instructions, with and without rep, checked.
;
; rep stos, rep movs (forward and, with DF = 1, backward over an overlap),
; repe cmps, repne scas, lods, and a rep with ECX = 0. Every line shows the value
; seen; a wrong one prints FAIL and exits with V = 1.

bits 32
org 0x100000

BUF_A		equ 0x00200000	; scratch buffers
BUF_B		equ 0x00201000

%include "../lib/multiboot.inc"

start:
	mov esp, 0x00090000
	call serial_init
	cld

	; rep stosd: 64 dwords of 0x5a5a5a5a; repe scasd must walk all of them.
	mov edi, BUF_A
	mov eax, 0x5A5A5A5A
	mov ecx, 64
	rep stosd
	mov eax, edi
	mov ebx, BUF_A + 256
	mov esi, msg_stosd
	call check
	mov edi, BUF_A
	mov eax, 0x5A5A5A5A
	mov ecx, 64
	repe scasd
	mov eax, ecx			; 0: no dword differed
	xor ebx, ebx
	mov esi, msg_scasd
	call check

	; rep movsb the sample text to BUF_B; repe cmpsb finds no difference.
	mov esi, sample
	mov edi, BUF_B
	mov ecx, sample_len
	rep movsb
	mov esi, sample
	mov edi, BUF_B
	mov ecx, sample_len
	repe cmpsb
	setne al			; ZF = 1 after the last compare: equal
	movzx eax, al
	add eax, ecx
	xor ebx, ebx
	mov esi, msg_cmpsb_same
	call check

	; Change byte 13 of the copy: repe cmpsb stops just past it.
	mov byte [BUF_B + 13], '#'
	mov esi, sample
	mov edi, BUF_B
	mov ecx, sample_len
	repe cmpsb
	mov eax, edi
	sub eax, BUF_B + 1		; index of the differing byte
	mov ebx, 13
	mov esi, msg_cmpsb_diff
	call check

	; repne scasb: index of the first 'z'.
	mov edi, sample
	mov al, 'z'
	mov ecx, sample_len
	repne scasb
	mov eax, edi
	sub eax, sample + 1
	mov ebx, 37			; "the quick brown fox jumps over the la" is 37 bytes
	mov esi, msg_scasb
	call check

	; std + rep movsb: move bytes 0-9 of BUF_B ("the quick ") up by 4, over
	; themselves. Backwards, from the last byte down, the move is exact; a forward
	; copy would smear "the " over the whole range.
	mov esi, BUF_B + 9
	mov edi, BUF_B + 13
	mov ecx, 10
	std
	rep movsb
	cld
	mov eax, [BUF_B + 10]		; bytes 10-13 now hold old bytes 6-9: "ick "
	mov ebx, 0x206B6369		; ' ' 'k' 'c' 'i', little-endian
	mov esi, msg_backward
	call check

	; rep with ECX = 0 does nothing at all, not even move EDI.
	mov edi, BUF_A
	xor ecx, ecx
	mov al, 0xFF
	rep stosb
	mov eax, edi
	mov ebx, BUF_A
	mov esi, msg_rep_zero
	call check

	; lodsd without rep: one dword, ESI advances by 4.
	mov esi, BUF_A
	lodsd
	sub esi, BUF_A
	add eax, esi			; 0x5a5a5a5a + 4
	mov ebx, 0x5A5A5A5E
	mov esi, msg_lodsd
	call check

	; movsw without rep: one word.
	mov esi, sample
	mov edi, BUF_A
	movsw
	movzx eax, word [BUF_A]
	mov ebx, 0x6874			; "th", little-endian
	mov esi, msg_movsw
	call check

	mov esi, msg_done
	call print
	xor al, al
	jmp exit

; check: print the label at ESI and the value in EAX; if EAX differs from EBX,
; say what was expected and stop with V = 1.
check:
	push ecx
	call print
	mov ecx, 8
	call print_hex
	cmp eax, ebx
	jne .fail
	mov esi, msg_ok
	call print
	pop ecx
	ret
.fail:
	mov esi, msg_expected
	call print
	mov eax, ebx
	call print_hex
	call newline
	mov al, 1
	jmp exit

%include "../lib/serial.inc"
%include "../lib/print.inc"
%include "../lib/exit.inc"

sample:		db "the quick brown fox jumps over the lazy dog"
sample_len	equ $ - sample
msg_ok:		db " ok", 10, 0
msg_expected:	db " FAIL, expected ", 0
msg_stosd:	db "rep stosd: edi after 64 dwords ", 0
msg_scasd:	db "repe scasd: ecx left ", 0
msg_cmpsb_same:	db "repe cmpsb on a copy: ecx left + mismatch ", 0
msg_cmpsb_diff:	db "repe cmpsb after a change: differing index ", 0
msg_scasb:	db "repne scasb: index of 'z' ", 0
msg_backward:	db "std; rep movsb overlapping: bytes 10-13 ", 0
msg_rep_zero:	db "rep stosb with ecx=0: edi ", 0
msg_lodsd:	db "lodsd: value + esi advance ", 0
msg_movsw:	db "movsw: word copied ", 0
msg_done:	db "strings: all checks passed", 10, 0

image_end:
