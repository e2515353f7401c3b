; A hot ring-0 loop for bench/debug-overhead.ts: 20 ALU instructions per
; iteration, then exit. `cold` holds code that never runs, for breakpoints that
; are set but never hit, as in a debug session.

bits 32
org 0x100000

%include "../examples/lib/multiboot.inc"

%define ITERATIONS 20000000

start:
	mov esp, 0x00090000
	mov ecx, ITERATIONS
	mov eax, 1
	mov ebx, 2
	mov edx, 3
	mov esi, 4
	mov edi, 5
.loop:
	add eax, ebx
	xor ebx, edx
	shl edx, 1
	add esi, eax
	shr edi, 1
	sub eax, esi
	or ebx, edi
	and edx, eax
	add edi, ecx
	xor esi, ebx
	add eax, 7
	xor ebx, eax
	shl esi, 2
	add edx, esi
	shr eax, 3
	sub ebx, edx
	or esi, eax
	and edi, ebx
	add edx, edi
	xor eax, esi
	dec ecx
	jnz .loop
	xor al, al
	out 0xf4, al

cold:
	inc eax
	inc ebx
	inc ecx
	inc edx
	inc esi
	inc edi
	dec eax
	dec ebx
	dec ecx
	dec edx
	ret

image_end:
