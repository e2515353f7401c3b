; Integer ISA forms: every ALU operation against registers, memory and immediates.
bits 32
org 0x100000
%macro alu 1
	%1 eax, ebx
	%1 ax, bx
	%1 al, bl
	%1 ah, ch
	%1 eax, [ebx]
	%1 [ebx], eax
	%1 cx, [esi+4]
	%1 [edi+0x100], dl
	%1 eax, 1
	%1 eax, -1
	%1 eax, 0x1000
	%1 al, 0x7f
	%1 ax, 300
	%1 ecx, 127
	%1 ecx, 128
	%1 dword [ebx], 5
	%1 word [ebx+ecx*2], 0x1234
	%1 byte [esp], 1
	%1 dword [data], 0x12345678
	%1 eax, data
	%1 ebx, data_end - data
	%1 eax, strict dword 1
	%1 eax, byte 1
%endmacro
	alu add
	alu adc
	alu sub
	alu sbb
	alu cmp
	alu and
	alu or
	alu xor
	test eax, ebx
	test ebx, [ecx]
	test [ecx], bl
	test eax, 1
	test al, 1
	test ecx, 0x100
	test byte [eax], 0x80
	test dword [eax], 0x80
%macro unary 1
	%1 eax
	%1 cx
	%1 dl
	%1 dword [ebx]
	%1 word [ebx]
	%1 byte [ebx+esi]
%endmacro
	unary not
	unary neg
	unary mul
	unary imul
	unary div
	unary idiv
	unary inc
	unary dec
%macro shifts 1
	%1 eax, 1
	%1 eax, 5
	%1 eax, cl
	%1 bl, 1
	%1 bx, 3
	%1 dword [eax], 1
	%1 byte [eax], cl
	%1 word [eax], 7
%endmacro
	shifts shl
	shifts sal
	shifts shr
	shifts sar
	shifts rol
	shifts ror
	shifts rcl
	shifts rcr
	shld eax, ebx, 4
	shld [ecx], ebx, cl
	shrd eax, ebx, 4
	shrd ax, bx, cl
	imul eax, ebx
	imul eax, [ebx]
	imul eax, ebx, 10
	imul eax, ebx, 1000
	imul eax, 10
	imul ecx, [edx], -3
	imul ax, bx
data:
	dd 0
data_end:
