; mode: binary-translation
; binary-translation final guest view differs:
;   native: {"registers":{"eax":0,"ecx":51831,"edx":24303,"ebx":4294967288,"esp":589824,"ebp":1236741495,"esi":1466471340,"edi":5},"eip":1049323,"eflags":134,"segments":{"es":{"selector":16,"base":0,"limit":4294967295,"dpl":0,"type":3,"usable":true},"cs":{"selector":8,"base":0,"limit":4294967295,"dpl":0,"type":11,"usable":true},"ss":{"selector":16,"base":0,"limit":4294967295,"dpl":0,"type":3,"usable":true},"ds":{"selector":16,"base":0,"limit":4294967295,"dpl":0,"type":3,"usable":true},"fs":{"selector":0,"base":0,"limit":0,"dpl":0,"type":0,"usable":false},"gs":{"selector":16,"base":0,"limit":4294967295,"dpl":0,"type":3,"usable":true}},"cr0":2147483665,"cr2":0,"cr3":2097152,"cr4":0,"gdtr":{"base":1049800,"limit":47},"idtr":{"base":1049968,"limit":2047},"ldtr":{"selector":0,"base":0,"limit":0,"dpl":0,"type":2,"usable":false},"tr":{"selector":40,"base":1049860,"limit":103,"dpl":0,"type":11,"usable":true},"cpl":0}
;   binary-translation: {"registers":{"eax":0,"ecx":51831,"edx":24303,"ebx":4294967288,"esp":589824,"ebp":1236741495,"esi":1466471340,"edi":5},"eip":1049323,"eflags":134,"segments":{"es":{"selector":16,"base":0,"limit":4294967295,"dpl":0,"type":3,"usable":true},"cs":{"selector":8,"base":0,"limit":4294967295,"dpl":0,"type":11,"usable":true},"ss":{"selector":16,"base":0,"limit":4294967295,"dpl":0,"type":3,"usable":true},"ds":{"selector":16,"base":0,"limit":4294967295,"dpl":0,"type":3,"usable":true},"fs":{"selector":0,"base":0,"limit":4290772991,"dpl":0,"type":3,"usable":false},"gs":{"selector":16,"base":0,"limit":4294967295,"dpl":0,"type":3,"usable":true}},"cr0":2147483665,"cr2":0,"cr3":2097152,"cr4":0,"gdtr":{"base":1049800,"limit":47},"idtr":{"base":1049968,"limit":2047},"ldtr":{"selector":0,"base":0,"limit":0,"dpl":0,"type":2,"usable":false},"tr":{"selector":40,"base":1049860,"limit":103,"dpl":0,"type":11,"usable":true},"cpl":0}
bits 32
org 0x100000
KERNEL_STACK_TOP equ 0x90000
USER_STACK_TOP equ 0x80000
PAGE_DIRECTORY equ 0x200000
PAGE_TABLES equ 0x201000
FAULT_PAGE equ 0x400000
FAULT_PTE equ PAGE_TABLES + (FAULT_PAGE >> 12) * 4
COM1 equ 0x3f8
multiboot_header:
	dd 0x1BADB002, 0x00010000, -(0x1BADB002 + 0x00010000)
	dd multiboot_header, 0x00100000, image_end, image_end, start
start:
	mov esp, KERNEL_STACK_TOP
	mov al, 0xff
	out 0x21, al			; every PIC line masked: no interrupt reaches the guest
	out 0xa1, al
	lgdt [gdt_descriptor]
	jmp 0x08:.reloaded
.reloaded:
	mov ax, 0x10
	mov ds, ax
	mov es, ax
	mov fs, ax
	mov gs, ax
	mov ss, ax
	mov ax, 0x28
	ltr ax
	mov ecx, 0
.gates:					; every vector reports itself and stops the guest
	mov eax, [vector_stubs + ecx * 4]
	mov dl, 0x8e
	call set_gate
	inc ecx
	cmp ecx, 32
	jb .gates
	mov ecx, 14
	mov eax, page_fault
	call set_gate
	mov ecx, 0x40
	mov eax, int40
	call set_gate
	mov ecx, 3			; int3 returns past itself, like int 0x40
	mov eax, int40
	call set_gate
	mov ecx, 0x80
	mov eax, syscall
	mov dl, 0xee
	call set_gate
	lidt [idt_descriptor]
	mov edi, PAGE_TABLES		; identity map 8 MiB, user and writable, so ring 3 may run anywhere
	mov eax, 7
.pte:
	mov [edi], eax
	add edi, 4
	add eax, 0x1000
	cmp eax, 0x800000
	jb .pte
	mov dword [PAGE_DIRECTORY], PAGE_TABLES | 7
	mov dword [PAGE_DIRECTORY + 4], (PAGE_TABLES + 0x1000) | 7
	mov eax, PAGE_DIRECTORY
	mov cr3, eax
	mov eax, cr0
	or eax, 0x80000000
	mov cr0, eax
	jmp units
; ecx = vector, eax = handler, dl = type byte
set_gate:
	mov [idt + ecx * 8], ax
	mov word [idt + ecx * 8 + 2], 0x08
	mov byte [idt + ecx * 8 + 4], 0
	mov [idt + ecx * 8 + 5], dl
	shr eax, 16
	mov [idt + ecx * 8 + 6], ax
	mov dl, 0x8e
	ret
far_target:
	retf
int40:
	iretd
page_fault:				; makes the fault page present again and retries
	push eax
	mov eax, [esp + 4]
	mov [last_error_code], eax
	or dword [FAULT_PTE], 1
	invlpg [FAULT_PAGE]
	pop eax
	lea esp, [esp + 4]
	iretd
syscall:				; back from ring 3: drop the frame, continue after the int at ring 0
	pop dword [ring3_return]
	lea esp, [esp + 16]
	push eax
	mov eax, 0x10
	mov ds, ax
	mov es, ax
	mov fs, ax
	mov gs, ax
	pop eax
	jmp [ring3_return]
fatal:					; [esp] = vector; prints it with the frame above and exits with status 1
	cld
	mov esi, msg_fatal
	call print
	mov eax, [esp]
	call print_hex
	mov eax, [esp + 4]
	call print_hex
	mov eax, [esp + 8]
	call print_hex
	mov eax, [esp + 12]
	call print_hex
	mov al, 10
	out dx, al
	mov al, 1
	out 0xf4, al
	jmp $
print:					; esi = zero-terminated string
	mov dx, COM1
.next:
	lodsb
	test al, al
	jz .done
	out dx, al
	jmp .next
.done:
	ret
print_hex:				; eax as ' ' and 8 hex digits
	mov dx, COM1
	mov ebx, eax
	mov al, ' '
	out dx, al
	mov ecx, 8
.digit:
	rol ebx, 4
	mov eax, ebx
	and eax, 15
	mov al, [hex_digits + eax]
	out dx, al
	dec ecx
	jnz .digit
	ret
dump:					; one line of architectural state; preserves registers and EFLAGS
	pushfd
	pushad
	cld				; a unit may have left DF set: print walks forward
	mov esi, msg_unit
	call print
	mov eax, [unit_number]
	call print_hex
	mov ebp, 32
.registers:				; eflags, eax, ecx, edx, ebx, esp, ebp, esi, edi
	mov eax, [esp + ebp]
	call print_hex
	sub ebp, 4
	jns .registers
	xor eax, eax
	mov ax, cs
	call print_hex
	mov ax, ss
	call print_hex
	mov ax, ds
	call print_hex
	mov ax, es
	call print_hex
	mov ax, fs
	call print_hex
	mov eax, cr0
	call print_hex
	mov eax, cr2
	call print_hex
	mov eax, cr3
	call print_hex
	mov eax, cr4
	call print_hex
	sgdt [stored_table]
	mov eax, [stored_table + 2]
	call print_hex
	movzx eax, word [stored_table]
	call print_hex
	sidt [stored_table]
	mov eax, [stored_table + 2]
	call print_hex
	movzx eax, word [stored_table]
	call print_hex
	xor eax, eax
	sldt ax
	call print_hex
	str ax
	call print_hex
	smsw ax
	call print_hex
	mov eax, [last_error_code]
	call print_hex
	mov al, 10
	out dx, al
	popad
	popfd
	ret
units:

	; unit 0: registers
	mov eax, 0xff
	mov ecx, 0xca77
	mov edx, 0x5eef
	mov ebx, 0xfffffff8
	mov ebp, 0x49b72d77
	mov esi, 0x576893ac
	mov edi, 0x5
	mov dword [unit_number], 0
	call dump
	; unit 1: transfer
	mov ax, 0x0
	mov fs, ax
	mov dword [unit_number], 1
	call dump
	mov al, 0
	out 0xf4, al
	jmp $
vector_0:
	push 0
	push 0
	jmp fatal
vector_1:
	push 0
	push 1
	jmp fatal
vector_2:
	push 0
	push 2
	jmp fatal
vector_3:
	push 0
	push 3
	jmp fatal
vector_4:
	push 0
	push 4
	jmp fatal
vector_5:
	push 0
	push 5
	jmp fatal
vector_6:
	push 0
	push 6
	jmp fatal
vector_7:
	push 0
	push 7
	jmp fatal
vector_8:
	push 8
	jmp fatal
vector_9:
	push 0
	push 9
	jmp fatal
vector_10:
	push 10
	jmp fatal
vector_11:
	push 11
	jmp fatal
vector_12:
	push 12
	jmp fatal
vector_13:
	push 13
	jmp fatal
vector_14:
	push 14
	jmp fatal
vector_15:
	push 0
	push 15
	jmp fatal
vector_16:
	push 0
	push 16
	jmp fatal
vector_17:
	push 17
	jmp fatal
vector_18:
	push 0
	push 18
	jmp fatal
vector_19:
	push 0
	push 19
	jmp fatal
vector_20:
	push 0
	push 20
	jmp fatal
vector_21:
	push 0
	push 21
	jmp fatal
vector_22:
	push 0
	push 22
	jmp fatal
vector_23:
	push 0
	push 23
	jmp fatal
vector_24:
	push 0
	push 24
	jmp fatal
vector_25:
	push 0
	push 25
	jmp fatal
vector_26:
	push 0
	push 26
	jmp fatal
vector_27:
	push 0
	push 27
	jmp fatal
vector_28:
	push 0
	push 28
	jmp fatal
vector_29:
	push 0
	push 29
	jmp fatal
vector_30:
	push 0
	push 30
	jmp fatal
vector_31:
	push 0
	push 31
	jmp fatal
align 4
vector_stubs: dd vector_0, vector_1, vector_2, vector_3, vector_4, vector_5, vector_6, vector_7, vector_8, vector_9, vector_10, vector_11, vector_12, vector_13, vector_14, vector_15, vector_16, vector_17, vector_18, vector_19, vector_20, vector_21, vector_22, vector_23, vector_24, vector_25, vector_26, vector_27, vector_28, vector_29, vector_30, vector_31
unit_number: dd 0
ring3_return: dd 0
saved_eax: dd 0
saved_ah: db 0
saved_of: db 0
last_error_code: dd 0
stored_table: times 8 db 0
scratch_table: times 8 db 0
hex_digits: db "0123456789abcdef"
msg_unit: db "unit", 0
msg_fatal: db "FATAL vector", 0
align 8
gdt:
	dq 0
	dq 0x00CF9B000000FFFF
	dq 0x00CF93000000FFFF
	dq 0x00CFFB000000FFFF
	dq 0x00CFF3000000FFFF
TSS_ADDR equ tss - $$ + 0x100000
	dw tss_end - tss - 1
	dw TSS_ADDR & 0xFFFF
	db (TSS_ADDR >> 16) & 0xFF
	db 0x89
	db 0
	db TSS_ADDR >> 24
gdt_end:
gdt_descriptor:
	dw gdt_end - gdt - 1
	dd gdt
idt_descriptor:
	dw 256 * 8 - 1
	dd idt
tss:
	dd 0, KERNEL_STACK_TOP, 0x10
	times 22 dd 0
	dw 0, tss_end - tss
tss_end:
align 8
idt: times 256 * 8 db 0
image_end:
