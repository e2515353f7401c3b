; System and privileged instructions, I/O, strings, far transfers.
bits 32
org 0x100000
	cli
	sti
	hlt
	clts
	invd
	wbinvd
	rdmsr
	wrmsr
	rdtsc
	rdpmc
	cpuid
	lgdt [gdtr]
	lidt [idtr]
	sgdt [gdtr]
	sidt [idtr]
	lldt ax
	lldt [sel]
	sldt ax
	sldt [sel]
	ltr ax
	ltr [sel]
	str ax
	str [sel]
	lmsw ax
	lmsw [sel]
	smsw ax
	smsw eax
	smsw [sel]
	lar eax, ebx
	lar eax, [sel]
	lsl eax, ecx
	lsl ax, cx
	verr ax
	verr [sel]
	verw cx
	invlpg [eax]
	invlpg [0x1000]
	mov eax, cr0
	mov cr0, eax
	mov ebx, cr2
	mov cr3, ebx
	mov eax, cr4
	mov cr4, eax
	mov eax, dr0
	mov dr7, eax
	mov dr6, ecx
	mov ds, ax
	mov ds, eax
	mov es, bx
	mov ss, cx
	mov fs, [sel]
	mov ax, ds
	mov eax, cs
	mov [sel], ds
	lds esi, [farptr]
	les edi, [farptr]
	lfs eax, [farptr]
	lgs ebx, [farptr]
	lss esp, [farptr]
	in al, 0x60
	in ax, 0x60
	in eax, 0x60
	in al, dx
	in ax, dx
	in eax, dx
	out 0x80, al
	out 0x80, ax
	out 0x80, eax
	out dx, al
	out dx, ax
	out dx, eax
	movsb
	movsw
	movsd
	rep movsb
	rep movsd
	cmpsb
	repe cmpsb
	repne cmpsd
	repz cmpsw
	stosb
	stosw
	rep stosd
	lodsb
	lodsd
	scasb
	repne scasb
	insb
	rep insw
	insd
	outsb
	rep outsd
	int 0x80
	int 3
	int3
	into
	iret
	iretd
	ret
	ret 8
	retf
	retf 4
	jmp 0x08:flush
	call 0x10:flush
	jmp far [farptr]
	call far [farptr]
	jmp eax
	jmp [eax]
	jmp dword [table+ebx*4]
	call ebx
	call [ebx]
	call flush
flush:
	sysenter
	sysexit
	daa
	das
	aaa
	aas
	aam
	aad
	xlatb
align 8
gdtr:
	dw 0x17
	dd 0
idtr:
	dw 0x7ff
	dd 0
sel:
	dw 0x10
farptr:
	dd flush
	dw 8
table:
	dd flush, flush
