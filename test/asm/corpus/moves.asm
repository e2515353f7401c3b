; Data movement, addressing modes, stack, bit operations.
bits 32
org 0x200000
start:
	mov eax, ebx
	mov eax, 0
	mov eax, 0xFFFFFFFF
	mov al, 5
	mov ah, 0xff
	mov cx, 0x1234
	mov eax, [ebx]
	mov [ebx], eax
	mov eax, [var]
	mov [var], eax
	mov al, [var]
	mov [var], ax
	mov ebx, [var]
	mov eax, [fs:0x10]
	mov eax, [gs:ebx]
	mov eax, [es:ebx+4]
	mov eax, [ss:ebp-4]
	mov eax, [cs:var]
	mov dword [var], var
	mov byte [eax], 1
	mov word [eax], 1
	mov dword [eax+ebx*4+8], 1
	mov eax, [esp]
	mov eax, [esp+4]
	mov eax, [ebp]
	mov eax, [ebp+8]
	mov eax, [ebp-8]
	mov eax, [eax+0x80]
	mov eax, [eax-0x80]
	mov eax, [eax+ebx]
	mov eax, [eax+ebx*2]
	mov eax, [eax*2]
	mov eax, [eax*3]
	mov eax, [eax*4]
	mov eax, [eax*5]
	mov eax, [eax*8+var]
	mov eax, [esp+eax]
	mov eax, [eax+esp]
	mov eax, [ebp+esi*4]
	mov eax, [esi+ebp]
	mov eax, [0xB8000]
	mov eax, [ebx+var]
	mov eax, [ebx+var-4]
	mov eax, [edi+ (var_end - var) * 2]
	lea eax, [ebx+ecx*4+12]
	lea esi, [var]
	lea edi, [esp+4]
	movzx eax, al
	movzx eax, byte [ebx]
	movzx eax, word [ebx]
	movzx ax, bl
	movsx ecx, dx
	movsx ecx, byte [var]
	xchg eax, ebx
	xchg ebx, eax
	xchg ecx, edx
	xchg [ebx], eax
	xchg eax, [ebx]
	xchg al, bl
	xchg ax, cx
	xchg eax, eax
	push eax
	push ax
	push dword [ebx]
	push 1
	push -1
	push 0x1000
	push var
	push byte 5
	push strict dword 5
	pop ecx
	pop cx
	pop dword [ebx]
	push cs
	push ds
	push es
	push ss
	push fs
	push gs
	pop ds
	pop es
	pop ss
	pop fs
	pop gs
	pusha
	pushad
	popa
	popad
	pushf
	pushfd
	popf
	popfd
	bt eax, ebx
	bt eax, 5
	bt dword [ebx], 3
	bts [ebx], eax
	btr ecx, 31
	btc word [eax], 2
	bsf eax, ebx
	bsr eax, [ebx]
	bswap eax
	bswap edi
	xadd [ebx], eax
	xadd ecx, edx
	cmpxchg [ebx], ecx
	cmpxchg al, bl
	cmpxchg8b [esi]
	lock add dword [ebx], 1
	lock inc dword [counter]
	lock xadd [ebx], eax
	lock cmpxchg [ebx], ecx
	cbw
	cwde
	cwd
	cdq
	lahf
	sahf
	clc
	stc
	cmc
	cld
	std
	nop
	pause
	ud2
	enter 16, 0
	enter 0, 1
	leave
	cmove eax, ebx
	cmovz eax, [ebx]
	cmovne ecx, edx
	cmovnz cx, dx
	cmova eax, ebx
	cmovae eax, ebx
	cmovb eax, ebx
	cmovbe eax, ebx
	cmovc eax, ebx
	cmovnc eax, ebx
	cmovg eax, ebx
	cmovge eax, ebx
	cmovl eax, ebx
	cmovle eax, ebx
	cmovo eax, ebx
	cmovno eax, ebx
	cmovs eax, ebx
	cmovns eax, ebx
	cmovp eax, ebx
	cmovnp eax, ebx
	sete al
	setne bl
	seta byte [ebx]
	setae cl
	setb dl
	setbe ah
	setg al
	setge al
	setl al
	setle al
	seto al
	setno al
	sets al
	setns al
	setpe al
	setpo al
	setz al
	setnz al
var:
	dd 0
var_end:
counter:
	dd 0
