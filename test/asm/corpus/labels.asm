; Labels, local labels, macros with locals, %rep, conditionals, label without colon.
[bits 32]
[org 0x2000]
%define DEBUG
%macro outb 2
	mov dx, %1
	mov al, %2
	out dx, al
%endmacro
%macro spin 0
%%again:
	pause
	jmp %%again
%endmacro
main:
	outb 0x3f8, 'A'
.loop:
	dec ecx
	jnz .loop
	jmp other.loop
other:
.loop:
	inc eax
	cmp eax, 10
	jb .loop
	jmp main.loop
%ifdef DEBUG
	int3
%else
	nop
%endif
%ifndef DEBUG
	hlt
%endif
%if 2 - 1
	cli
%endif
%assign N 3
%rep N
	inc ebx
%endrep
	spin
	spin
nocolon mov eax, 1
lonely:
	dd lonely, main.loop, other.loop
