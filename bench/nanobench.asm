; Ringside nanobenchmarks: the operations a software VMM makes expensive, after
; Adams and Agesen (ASPLOS 2006), each timed in a loop by the host.
;
; The guest prints "P<n>" on COM1 just before phase n starts and again just after
; it ends (each phase first runs a short untimed warm-up of the same loop); the host timestamps the two lines as they arrive and divides by the
; iteration count. Every phase loop ends in `dec ecx; jnz`, so phases 10 and 11 (that
; loop alone, at ring 0 and ring 3) give the overhead to subtract.
;
;   P1  20 ALU instructions + loop, ring 3           (a)
;   P2  the same at ring 0                            (b)
;   P3  int 0x80 + iretd round trip from ring 3       (c)
;   P4  in al, 0x80                                   (d)
;   P5  mov cr3 + one load that re-walks the tables   (e)
;   P6  #PF, the handler skips the load               (f)
;   P7  #DE, the handler skips the div                (g)
;   P8  PTE rewrite + invlpg + load                   (h)
;   P9  call + ret                                    (i)
;   P10 empty loop, ring 0      P11 empty loop, ring 3
;   P0  nothing: the two marker lines back to back, what timing by serial costs
;
; After the last phase it prints "done" and writes V = 0 to isa-debug-exit
; (exit code 1). A phase whose handler count or loaded value is wrong prints
; "FAIL <n>" and exits with V = 1 (exit code 3): an engine that skips the work
; must not get a time. Each iteration count is a %define the host may override
; (nasm -D, or by rewriting the %define lines as bench/run.mjs does).
;
; Physical memory, identity-mapped by 4 KiB pages:
;   0x00100000  this image: header and tables, kernel code, a page of ring-0
;               phase loops, the ring-3 code page, then a data page (writes to it never touch a page holding code,
;               which would make every engine throw its translations away)
;   0x00200000  page directory   0x00201000  page table 0-4 MiB   0x00202000  IDT
;   0x00210000  top of the kernel stack (TSS.esp0)   0x00220000  ring-3 stack page
;   0x00230000, 0x00231000  the two frames phase 8 switches ALIAS_PAGE between
;   0x00300000  UNMAPPED_PAGE: never present, phase 6 loads from it

bits 32
org 0x100000

%ifndef N_ALU_RING3
%define N_ALU_RING3 400000
%endif
%ifndef N_ALU_RING0
%define N_ALU_RING0 400000
%endif
%ifndef N_SYSCALL
%define N_SYSCALL 100000
%endif
%ifndef N_IN
%define N_IN 100000
%endif
%ifndef N_CR3
%define N_CR3 100000
%endif
%ifndef N_PAGE_FAULT
%define N_PAGE_FAULT 100000
%endif
%ifndef N_DIVIDE_ERROR
%define N_DIVIDE_ERROR 100000
%endif
%ifndef N_PTE
%define N_PTE 100000
%endif
%ifndef N_CALL
%define N_CALL 2000000
%endif
%ifndef N_EMPTY_RING0
%define N_EMPTY_RING0 4000000
%endif
%ifndef N_EMPTY_RING3
%define N_EMPTY_RING3 4000000
%endif

LOAD_ADDR		equ 0x00100000
PAGE_DIR		equ 0x00200000
PAGE_TABLE		equ 0x00201000
IDT			equ 0x00202000
KERNEL_STACK_TOP	equ 0x00210000
USER_STACK_PAGE		equ 0x00220000
FRAME_A			equ 0x00230000
FRAME_B			equ 0x00231000
UNMAPPED_PAGE		equ 0x00300000
ALIAS_PAGE		equ 0x003FF000
ALIAS_PTE		equ PAGE_TABLE + (ALIAS_PAGE >> 12) * 4

PTE_PRESENT		equ 1
PTE_WRITABLE		equ 2
PTE_USER		equ 4

KERNEL_CS		equ 0x08
KERNEL_DS		equ 0x10
USER_CS			equ 0x18 | 3
USER_DS			equ 0x20 | 3
TSS_SEL			equ 0x28

COM1			equ 0x3F8
DEBUG_EXIT		equ 0xF4
POST_PORT		equ 0x80	; no device behind it that cares: a pure I/O round trip

SYSCALL_VECTOR		equ 0x80	; the benchmarked one: its handler only counts and returns
SERVICE_VECTOR		equ 0x81	; ring 3 asks the kernel to print a marker or to exit
SERVICE_EXIT		equ -1		; eax for SERVICE_VECTOR; any other value is a phase to mark

PHASE_MARKERS		equ 0
PHASE_ALU_RING3		equ 1
PHASE_ALU_RING0		equ 2
PHASE_SYSCALL		equ 3
PHASE_IN		equ 4
PHASE_CR3		equ 5
PHASE_PAGE_FAULT	equ 6
PHASE_DIVIDE_ERROR	equ 7
PHASE_PTE		equ 8
PHASE_CALL		equ 9
PHASE_EMPTY_RING0	equ 10
PHASE_EMPTY_RING3	equ 11

; Multiboot v1 header with the a.out kludge (flag bit 16): a flat image loaded at 1 MiB.
MB_MAGIC	equ 0x1BADB002
MB_FLAGS	equ 0x00010000
multiboot_header:
	dd MB_MAGIC, MB_FLAGS, -(MB_MAGIC + MB_FLAGS)
	dd multiboot_header, LOAD_ADDR, image_end, image_end, start

align 8
gdt:
	dq 0					; 0x00 null
	dq 0x00CF9B000000FFFF			; 0x08 ring-0 code, flat
	dq 0x00CF93000000FFFF			; 0x10 ring-0 data, flat
	dq 0x00CFFB000000FFFF			; 0x18 ring-3 code, flat
	dq 0x00CFF3000000FFFF			; 0x20 ring-3 data, flat
TSS_ADDR	equ tss - $$ + LOAD_ADDR
	dw tss_end - tss - 1			; 0x28 TSS, DPL 0, available 32-bit
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
	dd IDT

; Only esp0/ss0 are used. The I/O map base lies past the limit: ring 3 owns no port.
tss:
	dd 0
	dd KERNEL_STACK_TOP
	dd KERNEL_DS
	times 22 dd 0
	dw 0
	dw tss_end - tss
tss_end:

; The 20 ALU instructions of phases 1 and 2: register only, a mix of the
; operations whose flags a JIT must keep or drop; ecx is left to the loop.
%macro ALU_BODY 0
	add eax, ebx
	xor edx, eax
	shl esi, 3
	add edi, esi
	shr ebx, 1
	xor ebp, edi
	add ebx, edx
	mov esi, eax
	sub edx, ebp
	or edi, ebx
	add eax, 7
	xor esi, ebp
	shr edx, 2
	and ebp, eax
	add ebx, esi
	mov edi, edx
	sub eax, ebx
	xor ebp, 0x55
	shl edx, 1
	add esi, edi
%endmacro

; Every phase runs its loop twice: a warm-up of 1/16 of the count, so that JITs
; (v86 interprets a page until it is hot, then compiles it in the background)
; are timed on compiled code, then the timed run between the two markers.
%define WARMUP(count) ((count) / 16 + 1)

; KERNEL_PHASE number, count, loop routine
%macro KERNEL_PHASE 3
	mov ecx, WARMUP(%2)
	call %3
	mov eax, %1
	call mark
	mov ecx, %2
	call %3
	mov eax, %1
	call mark
%endmacro

; USER_PHASE number, count, loop routine: the same from ring 3, marking through the kernel.
%macro USER_PHASE 3
	mov ecx, WARMUP(%2)
	call %3
	mov eax, %1
	int SERVICE_VECTOR
	mov ecx, %2
	call %3
	mov eax, %1
	int SERVICE_VECTOR
%endmacro

; ===========================================================================
; Set-up: serial, GDT, IDT, TSS, paging.
; ===========================================================================
start:
	mov esp, KERNEL_STACK_TOP
	call serial_init
	lgdt [gdt_descriptor]
	jmp KERNEL_CS:.reload
.reload:
	mov ax, KERNEL_DS
	mov ds, ax
	mov es, ax
	mov fs, ax
	mov gs, ax
	mov ss, ax
	call build_idt
	lidt [idt_descriptor]
	mov ax, TSS_SEL
	ltr ax
	call build_page_tables
	mov eax, PAGE_DIR
	mov cr3, eax
	mov eax, cr0
	or eax, 0x80000000		; CR0.PG
	mov cr0, eax
	mov dword [FRAME_A], 0xAAAAAAAA
	mov dword [FRAME_B], 0xBBBBBBBB
	mov esi, msg_banner
	call print

; ===========================================================================
; Ring-0 phases.
; ===========================================================================
	mov eax, PHASE_MARKERS
	call mark
	mov eax, PHASE_MARKERS
	call mark

	KERNEL_PHASE PHASE_EMPTY_RING0, N_EMPTY_RING0, empty_loop
	KERNEL_PHASE PHASE_ALU_RING0, N_ALU_RING0, alu_loop
	KERNEL_PHASE PHASE_IN, N_IN, in_loop
	KERNEL_PHASE PHASE_CR3, N_CR3, cr3_loop
	KERNEL_PHASE PHASE_PAGE_FAULT, N_PAGE_FAULT, page_fault_loop
	KERNEL_PHASE PHASE_DIVIDE_ERROR, N_DIVIDE_ERROR, divide_error_loop
	KERNEL_PHASE PHASE_PTE, N_PTE, pte_loop
	KERNEL_PHASE PHASE_CALL, N_CALL, call_loop

	; Down to ring 3 with IF = 0 and IOPL = 0: no interrupt can land inside a phase.
	mov ax, USER_DS
	mov ds, ax
	mov es, ax
	mov fs, ax
	mov gs, ax
	push USER_DS
	push USER_STACK_PAGE + 0x1000
	push 0x00000002
	push USER_CS
	push user_code
	iretd

; ---------------------------------------------------------------------------
; The ring-0 phase loops: ECX iterations each. Those that can check their work
; do it after the loop and jump to `fail` with the phase number. They start a
; page of their own, away from the GDT the CPU writes to (ltr sets the TSS busy
; bit): v86 runs code on a page written since start-up far slower.
; ---------------------------------------------------------------------------
align 4096
empty_loop:
	dec ecx
	jnz empty_loop
	ret

alu_loop:
	ALU_BODY
	dec ecx
	jnz alu_loop
	ret

in_loop:
	in al, POST_PORT
	dec ecx
	jnz in_loop
	ret

; Each mov cr3 flushes the TLB, so the load walks the tables again.
cr3_loop:
	mov ebx, PAGE_DIR
.loop:
	mov cr3, ebx
	mov eax, [FRAME_A]
	dec ecx
	jnz .loop
	cmp eax, 0xAAAAAAAA
	jne fail_cr3
	ret

page_fault_loop:
	mov dword [fault_count], 0
	mov edi, ecx
	mov ebx, UNMAPPED_PAGE
.loop:
	mov eax, [ebx]			; 2 bytes (8B 03): the handler steps over them
	dec ecx
	jnz .loop
	cmp [fault_count], edi
	jne fail_page_fault
	ret

divide_error_loop:
	mov dword [fault_count], 0
	mov edi, ecx
	xor esi, esi
.loop:
	div esi				; 2 bytes (F7 F6): the handler steps over them
	dec ecx
	jnz .loop
	cmp [fault_count], edi
	jne fail_divide_error
	ret

; ALIAS_PAGE flips between FRAME_A and FRAME_B; invlpg must make each load see
; the new frame, checked once at the end against the frame last mapped.
pte_loop:
	mov ebx, [ALIAS_PTE]
.loop:
	xor ebx, FRAME_A ^ FRAME_B
	mov [ALIAS_PTE], ebx
	invlpg [ALIAS_PAGE]
	mov eax, [ALIAS_PAGE]
	dec ecx
	jnz .loop
	and ebx, ~0xFFF
	cmp eax, [ebx]
	jne fail_pte
	ret

call_loop:
	call empty_function
	dec ecx
	jnz call_loop
	ret

empty_function:
	ret

fail_cr3:
	mov eax, PHASE_CR3
	jmp fail
fail_page_fault:
	mov eax, PHASE_PAGE_FAULT
	jmp fail
fail_divide_error:
	mov eax, PHASE_DIVIDE_ERROR
	jmp fail
fail_pte:
	mov eax, PHASE_PTE
	jmp fail
fail_syscall:
	mov eax, PHASE_SYSCALL
; fail: report phase EAX as wrong and stop with V = 1 (exit code 3).
fail:
	mov esi, msg_fail
	call print
	call print_decimal
	call newline
	mov al, 1
	out DEBUG_EXIT, al
	jmp $

; ===========================================================================
; Handlers. Ring-3 entries arrive with the user's flat DS: same base, so the
; counters are reachable without reloading it.
; ===========================================================================
page_fault:
	add esp, 4			; the error code
	add dword [esp], 2
	inc dword [fault_count]
	iretd

divide_error:
	add dword [esp], 2
	inc dword [fault_count]
	iretd

syscall_entry:
	inc dword [syscall_count]
	iretd

; SERVICE_VECTOR: eax = phase to mark, or SERVICE_EXIT.
service_entry:
	cmp eax, SERVICE_EXIT
	je .exit
	call mark
	iretd
.exit:
	cmp dword [syscall_count], N_SYSCALL + WARMUP(N_SYSCALL)
	jne fail_syscall
	mov esi, msg_done
	call print
	xor eax, eax
	out DEBUG_EXIT, al
	jmp $

unexpected:
	mov esi, msg_unexpected
	call print
	mov al, 1
	out DEBUG_EXIT, al
	jmp $

build_idt:
	xor ecx, ecx
.all:
	mov eax, unexpected
	mov dl, 0x8E			; present, DPL 0, 32-bit interrupt gate
	call set_gate
	inc ecx
	cmp ecx, 256
	jb .all
	mov ecx, 0
	mov eax, divide_error
	call set_gate
	mov ecx, 14
	mov eax, page_fault
	call set_gate
	mov dl, 0xEE			; DPL 3: ring 3 may raise these two
	mov ecx, SYSCALL_VECTOR
	mov eax, syscall_entry
	call set_gate
	mov ecx, SERVICE_VECTOR
	mov eax, service_entry
	call set_gate
	ret

; set_gate: IDT entry ECX -> handler EAX in the kernel code segment, type/DPL byte DL.
set_gate:
	mov word [IDT + ecx * 8], ax
	mov word [IDT + ecx * 8 + 2], KERNEL_CS
	mov byte [IDT + ecx * 8 + 4], 0
	mov byte [IDT + ecx * 8 + 5], dl
	shr eax, 16
	mov word [IDT + ecx * 8 + 6], ax
	ret

; Identity map of 0-4 MiB, supervisor only except the ring-3 code and stack pages.
build_page_tables:
	mov edi, PAGE_DIR
	xor eax, eax
	mov ecx, 1024
	rep stosd
	mov dword [PAGE_DIR], PAGE_TABLE | PTE_PRESENT | PTE_WRITABLE | PTE_USER
	mov edi, PAGE_TABLE
	mov eax, PTE_PRESENT | PTE_WRITABLE
	mov ecx, 1024
.fill:
	stosd
	add eax, 0x1000
	loop .fill
	mov ebx, user_code
.user_pages:
	mov eax, ebx
	shr eax, 12
	or dword [PAGE_TABLE + eax * 4], PTE_USER
	add ebx, 0x1000
	cmp ebx, user_code_end
	jb .user_pages
	or dword [PAGE_TABLE + (USER_STACK_PAGE >> 12) * 4], PTE_USER
	mov dword [PAGE_TABLE + (UNMAPPED_PAGE >> 12) * 4], 0
	mov dword [ALIAS_PTE], FRAME_A | PTE_PRESENT | PTE_WRITABLE
	ret

; ===========================================================================
; Serial output, polled.
; ===========================================================================
serial_init:
	mov dx, COM1 + 1
	xor al, al
	out dx, al			; no UART interrupts
	mov dx, COM1 + 3
	mov al, 0x80
	out dx, al			; DLAB: divisor follows
	mov dx, COM1
	mov al, 1
	out dx, al			; 115200 baud
	mov dx, COM1 + 1
	xor al, al
	out dx, al
	mov dx, COM1 + 3
	mov al, 0x03
	out dx, al			; 8N1
	ret

; putc: AL, once the transmit holding register is empty.
putc:
	push edx
	push eax
	mov dx, COM1 + 5
.wait:
	in al, dx
	test al, 0x20
	jz .wait
	pop eax
	mov dx, COM1
	out dx, al
	pop edx
	ret

; print: the NUL-terminated string at ESI.
print:
	push eax
	push esi
.next:
	lodsb
	test al, al
	jz .done
	call putc
	jmp .next
.done:
	pop esi
	pop eax
	ret

; print_decimal: EAX (unsigned), no leading zeros.
print_decimal:
	pushad
	mov ebx, 10
	xor ecx, ecx
.divide:
	xor edx, edx
	div ebx
	push edx
	inc ecx
	test eax, eax
	jnz .divide
.emit:
	pop eax
	add al, '0'
	call putc
	loop .emit
	popad
	ret

newline:
	push eax
	mov al, 10
	call putc
	pop eax
	ret

; mark: the line "P<EAX>" that the host timestamps.
mark:
	push eax
	mov al, 'P'
	call putc
	pop eax
	call print_decimal
	jmp newline

; ===========================================================================
; Ring 3, on its own page: v86 keeps one translation per page and privilege
; level, and code shared with ring 0 would run in its slow path.
; ===========================================================================
align 4096
user_code:
	USER_PHASE PHASE_EMPTY_RING3, N_EMPTY_RING3, user_empty_loop
	USER_PHASE PHASE_ALU_RING3, N_ALU_RING3, user_alu_loop
	USER_PHASE PHASE_SYSCALL, N_SYSCALL, user_syscall_loop
	mov eax, SERVICE_EXIT		; the kernel checks the int 0x80 count, then stops
	int SERVICE_VECTOR

user_empty_loop:
	dec ecx
	jnz user_empty_loop
	ret

user_alu_loop:
	ALU_BODY
	dec ecx
	jnz user_alu_loop
	ret

user_syscall_loop:
	int SYSCALL_VECTOR
	dec ecx
	jnz user_syscall_loop
	ret
user_code_end:

; ===========================================================================
; Data, on a page of its own (see the memory map above).
; ===========================================================================
align 4096
fault_count:	dd 0
syscall_count:	dd 0
msg_banner:	db "nanobench", 10, 0
msg_fail:	db "FAIL ", 0
msg_done:	db "done", 10, 0
msg_unexpected:	db "unexpected interrupt or exception", 10, 0

image_end:
