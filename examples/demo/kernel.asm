; Ringside demo guest: a tiny kernel that executes every class of instruction
; a virtual machine monitor must care about, and prints what it sees.
;
; Run it on bare hardware (Ringside "native" mode, or QEMU) and every line shows
; what the kernel set up: RPL 0, its own GDT base, IF as it set it. Run it under
; "trap-and-emulate" and the sensitive-but-unprivileged lines change (pushfd, popfd,
; sgdt, smsw, push cs, lar...): the instructions that make IA-32 hard to virtualize.
;
; Exit: the ring-3 exit system call writes V = 0 to port 0xF4 (isa-debug-exit), so
; the machine stops with exit code (0 << 1) | 1 = 1, which all Ringside examples use
; for success. QEMU reference: exit code 1, output in expected-output.txt.
;
; Physical memory (identity-mapped once paging is on):
;   0x00100000  this image (header, kernel code, data, then the ring-3 page)
;   0x00200000  page directory   0x00201000  page table for 0-4 MiB   0x00202000  IDT
;   0x00210000  top of the kernel stack (also TSS.esp0)
;   0x00220000  ring-3 stack page (user)
;   0x00230000, 0x00231000  two frames that ALIAS_PAGE is switched between
;   0x00300000  FAULT_PAGE: left unmapped until the page-fault handler maps it

bits 32
org 0x100000

; ---------------------------------------------------------------------------
; Constants
; ---------------------------------------------------------------------------
LOAD_ADDR		equ 0x00100000
PAGE_DIR		equ 0x00200000
PAGE_TABLE		equ 0x00201000
IDT			equ 0x00202000	; 256 gates, built at run time
KERNEL_STACK_TOP	equ 0x00210000
USER_STACK_PAGE		equ 0x00220000
FRAME_A			equ 0x00230000
FRAME_B			equ 0x00231000
FAULT_PAGE		equ 0x00300000
ALIAS_PAGE		equ 0x003FF000

PTE_PRESENT		equ 1
PTE_WRITABLE		equ 2
PTE_USER		equ 4

KERNEL_CS		equ 0x08
KERNEL_DS		equ 0x10
USER_CS			equ 0x18 | 3	; RPL 3: requested by ring-3 code
USER_DS			equ 0x20 | 3
TSS_SEL			equ 0x28

DEBUG_EXIT		equ 0xF4
PIC1			equ 0x20
PIC2			equ 0xA0
PIT_CH0			equ 0x40
PIT_CMD			equ 0x43
PIT_DIVISOR		equ 11932	; 1193182 Hz / 11932 = 100 Hz

SYS_WRITE		equ 1		; ebx = NUL-terminated string
SYS_TICKS		equ 2		; returns the PIT tick count in eax
SYS_EXIT		equ 3		; ebx = status, becomes V on port 0xF4

; ---------------------------------------------------------------------------
; Multiboot v1 header, a.out kludge (flag bit 16): load this flat file at 1 MiB.
; ---------------------------------------------------------------------------
MB_MAGIC	equ 0x1BADB002
MB_FLAGS	equ 0x00010000
multiboot_header:
	dd MB_MAGIC, MB_FLAGS, -(MB_MAGIC + MB_FLAGS)
	dd multiboot_header, LOAD_ADDR, image_end, image_end, start

; ---------------------------------------------------------------------------
; Descriptor tables, right after the header so their addresses stay put when
; the code changes (sgdt prints the GDT base).
; ---------------------------------------------------------------------------
align 8
gdt:						; accessed bits preset: the CPU need not write here
	dq 0					; 0x00 null
	dq 0x00CF9B000000FFFF			; 0x08 ring-0 code, base 0, 4 GiB
	dq 0x00CF93000000FFFF			; 0x10 ring-0 data
	dq 0x00CFFB000000FFFF			; 0x18 ring-3 code
	dq 0x00CFF3000000FFFF			; 0x20 ring-3 data
TSS_ADDR	equ tss - $$ + LOAD_ADDR	; a plain number, so it can be split up
	dw tss_end - tss - 1			; 0x28 TSS: limit
	dw TSS_ADDR & 0xFFFF			; base 0-15
	db (TSS_ADDR >> 16) & 0xFF		; base 16-23
	db 0x89					; present, DPL 0, available 32-bit TSS
	db 0					; byte granularity, limit 16-19 = 0
	db TSS_ADDR >> 24			; base 24-31
gdt_end:
gdt_descriptor:
	dw gdt_end - gdt - 1
	dd gdt

idt_descriptor:
	dw 256 * 8 - 1
	dd IDT

; Only esp0/ss0 matter: the stack for entering ring 0 from ring 3. The I/O map
; base points past the limit: no bitmap, so ring 3 may use no ports at all.
tss:
	dd 0					; previous task link
	dd KERNEL_STACK_TOP			; esp0
	dd KERNEL_DS				; ss0
	times 22 dd 0				; esp1 ... ldt selector
	dw 0					; trap flag
	dw tss_end - tss			; I/O map base
tss_end:

; ===========================================================================
; 1. Start: serial port, then our own GDT (the loader's descriptors are only
;    cached in the segment registers; no GDT is loaded).
; ===========================================================================
start:
	mov esp, KERNEL_STACK_TOP
	mov ebp, eax			; keep the multiboot magic for printing
	call serial_init
	mov esi, msg_banner
	call print
	mov esi, msg_magic
	mov eax, ebp
	call print_hex32_line

	lgdt [gdt_descriptor]
	jmp KERNEL_CS:reload_segments	; a far jump is the only way to reload CS
reload_segments:
	mov ax, KERNEL_DS
	mov ds, ax
	mov es, ax
	mov fs, ax
	mov gs, ax
	mov ss, ax
	mov esi, msg_lgdt
	call print

	call build_idt
	lidt [idt_descriptor]
	mov esi, msg_lidt
	call print

	xor eax, eax
	lldt ax				; selector 0: "no LDT", always allowed
	mov ax, TSS_SEL
	ltr ax				; ring 3 -> 0 transitions take esp0 from this TSS
	mov esi, msg_ltr
	call print

; ===========================================================================
; 2. Interrupt hardware: remap the 8259s past the CPU exceptions, 100 Hz PIT.
; ===========================================================================
	mov al, 0x11			; ICW1: edge triggered, cascade, ICW4 follows
	out PIC1, al
	out PIC2, al
	mov al, 0x20			; ICW2: master IRQs 0-7 -> vectors 0x20-0x27
	out PIC1 + 1, al
	mov al, 0x28			; slave IRQs 8-15 -> vectors 0x28-0x2F
	out PIC2 + 1, al
	mov al, 4			; ICW3: slave on master's IRQ 2
	out PIC1 + 1, al
	mov al, 2
	out PIC2 + 1, al
	mov al, 1			; ICW4: 8086 mode
	out PIC1 + 1, al
	out PIC2 + 1, al
	mov al, 0xFE			; unmask only IRQ 0, the PIT
	out PIC1 + 1, al
	mov al, 0xFF
	out PIC2 + 1, al
	in al, PIC1 + 1			; read the mask back: in/out round trip
	movzx eax, al
	mov esi, msg_pic
	call print_hex8_line

	mov al, 0x34			; channel 0, lobyte/hibyte, mode 2 (rate generator)
	out PIT_CMD, al
	mov al, PIT_DIVISOR & 0xFF
	out PIT_CH0, al
	mov al, PIT_DIVISOR >> 8
	out PIT_CH0, al
	mov esi, msg_pit
	call print

; ===========================================================================
; 3. Privileged instructions: each one traps (#GP) when run at ring 1.
; ===========================================================================
	mov eax, cr0
	mov esi, msg_cr0
	call print_hex32_line

	mov eax, cr4
	or eax, 0x10			; CR4.PSE: allowed, harmless with 4 KiB pages
	mov cr4, eax
	mov eax, cr4
	mov esi, msg_cr4
	call print_hex32_line

	; Identity-map 0-4 MiB with supervisor pages, then carve out the exceptions.
	mov edi, PAGE_DIR
	xor eax, eax
	mov ecx, 1024
	rep stosd			; every other directory entry: not present
	mov dword [PAGE_DIR], PAGE_TABLE | PTE_PRESENT | PTE_WRITABLE | PTE_USER
	mov edi, PAGE_TABLE
	mov eax, PTE_PRESENT | PTE_WRITABLE
	mov ecx, 1024
.fill:
	stosd
	add eax, 0x1000
	loop .fill
	; The ring-3 code page(s) and stack page get the user bit; the PDE has it too.
	mov ebx, user_code
.user_pages:
	mov eax, ebx
	shr eax, 12
	or dword [PAGE_TABLE + eax * 4], PTE_USER
	add ebx, 0x1000
	cmp ebx, image_end
	jb .user_pages
	or dword [PAGE_TABLE + (USER_STACK_PAGE >> 12) * 4], PTE_USER
	mov dword [PAGE_TABLE + (FAULT_PAGE >> 12) * 4], 0
	mov dword [PAGE_TABLE + (ALIAS_PAGE >> 12) * 4], FRAME_A | PTE_PRESENT | PTE_WRITABLE

	mov eax, PAGE_DIR
	mov cr3, eax
	mov eax, cr3
	mov esi, msg_cr3
	call print_hex32_line
	mov eax, cr0
	or eax, 0x80000000		; CR0.PG
	mov cr0, eax
	mov eax, cr0
	mov esi, msg_paging
	call print_hex32_line

	; invlpg: the TLB keeps the old translation of ALIAS_PAGE until told.
	mov dword [FRAME_A], 0xAAAAAAAA
	mov dword [FRAME_B], 0xBBBBBBBB
	mov eax, [ALIAS_PAGE]		; the TLB now holds ALIAS_PAGE -> FRAME_A
	mov esi, msg_alias_a
	call print_hex32_line
	mov dword [PAGE_TABLE + (ALIAS_PAGE >> 12) * 4], FRAME_B | PTE_PRESENT | PTE_WRITABLE
	invlpg [ALIAS_PAGE]
	mov eax, [ALIAS_PAGE]
	mov esi, msg_alias_b
	call print_hex32_line

	mov eax, cr0
	or eax, 0x08			; set CR0.TS so that clts has something to clear
	mov cr0, eax
	clts
	mov eax, cr0
	mov esi, msg_clts
	call print_hex32_line

	smsw ax
	or ax, 0x02			; lmsw can set MP (and cannot clear PE)
	lmsw ax
	mov eax, cr0
	mov esi, msg_lmsw
	call print_hex32_line

	mov eax, 0x00000400		; no breakpoints enabled; bit 10 always reads 1
	mov dr7, eax
	mov eax, dr7
	mov esi, msg_dr7
	call print_hex32_line

	mov ecx, 0x174			; IA32_SYSENTER_CS
	mov eax, KERNEL_CS
	xor edx, edx
	wrmsr
	xor eax, eax
	rdmsr
	mov esi, msg_msr
	call print_hex32_line

	wbinvd
	mov esi, msg_wbinvd
	call print

	sti				; interrupts are taken from after the next instruction,
	hlt				; so the tick cannot slip in before hlt
	cli
	cmp dword [ticks], 0
	setne al
	movzx eax, al
	mov esi, msg_hlt
	call print_digit_line

; ===========================================================================
; 4. Sensitive instructions: at ring 1 they do not trap, they just answer
;    differently. On bare hardware every line below shows what we set up.
; ===========================================================================
	sti
	pushfd
	pop eax
	mov esi, msg_pushf_sti
	call print_if_line
	cli
	pushfd
	pop eax
	mov esi, msg_pushf_cli
	call print_if_line

	pushfd
	or dword [esp], 0x200		; try to set IF through popfd
	popfd
	pushfd
	pop eax
	cli
	mov esi, msg_popf
	call print_if_line

	sgdt [table_buffer]
	mov esi, msg_sgdt
	call print_table_register
	sidt [table_buffer]
	mov esi, msg_sidt
	call print_table_register

	xor eax, eax
	sldt ax
	mov esi, msg_sldt
	call print_hex16_line
	xor eax, eax
	str ax
	mov esi, msg_str
	call print_hex16_line
	xor eax, eax
	smsw ax
	mov esi, msg_smsw
	call print_hex16_line

	push cs
	pop eax
	and eax, 3
	mov esi, msg_push_cs
	call print_digit_line
	mov ax, cs
	and eax, 3
	mov esi, msg_mov_cs
	call print_digit_line

	mov ecx, KERNEL_CS
	xor eax, eax			; a selector lar/lsl rejects leaves EAX alone: show 0
	lar eax, ecx
	mov esi, msg_lar_kcs
	call print_hex32_line
	mov ecx, USER_CS
	xor eax, eax
	lar eax, ecx
	mov esi, msg_lar_ucs
	call print_hex32_line
	mov ecx, KERNEL_DS
	xor eax, eax
	lsl eax, ecx
	mov esi, msg_lsl
	call print_hex32_line
	mov ax, KERNEL_CS
	verr ax				; ZF=1: readable from here
	mov esi, msg_verr
	call print_zf_line
	mov ax, KERNEL_CS
	verw ax				; ZF=0: code segments are never writable
	mov esi, msg_verw_cs
	call print_zf_line
	mov ax, KERNEL_DS
	verw ax
	mov esi, msg_verw_ds
	call print_zf_line

	call KERNEL_CS:far_target	; pushes CS:EIP; far_target reports the pushed CS
	mov esi, msg_far_back
	call print

	mov eax, SYS_WRITE
	mov ebx, msg_int80_ring0
	int 0x80
	mov eax, [syscall_caller_cs]
	and eax, 3
	mov esi, msg_int80_rpl
	call print_digit_line

; ===========================================================================
; 5. Exceptions the kernel provokes and recovers from.
; ===========================================================================
	mov eax, 1
	xor edx, edx
	xor ecx, ecx
	div ecx				; #DE; the handler skips these 2 bytes (F7 F1)
	mov esi, msg_de_back
	call print

	mov dword [FAULT_PAGE], 0x12345678	; #PF; the handler maps the page, we retry
	mov eax, [FAULT_PAGE]
	mov esi, msg_pf_back
	call print_hex32_line

; ===========================================================================
; 6. Drop to ring 3: iret to a frame that names user segments (RPL 3).
; ===========================================================================
	mov esi, msg_to_user
	call print
	mov ax, USER_DS			; data segments must be usable at ring 3,
	mov ds, ax			; otherwise iret clears them
	mov es, ax
	mov fs, ax
	mov gs, ax
	push USER_DS			; SS
	push USER_STACK_PAGE + 0x1000	; ESP
	push 0x00000202			; EFLAGS: IF=1, IOPL=0
	push USER_CS			; CS
	push user_code			; EIP
	iretd

; far_target: reached by a far call through the ring-0 code segment.
far_target:
	mov eax, [esp + 4]		; the CS the far call pushed
	mov esi, msg_far_cs
	call print_hex16_line
	retf

; ===========================================================================
; Interrupt and exception handlers
; ===========================================================================

; #DE: skip the faulting 2-byte div.
divide_error:
	add dword [esp], 2
	inc dword [count_de]
	push esi
	mov esi, msg_de
	call print
	pop esi
	iretd

; #GP from ring 3: `in al, dx` with IOPL 0 and no I/O bitmap. Skip the 1-byte in.
general_protection:
	pushad
	mov eax, [esp + 32 + 8]		; CS pushed by the exception (after the error code, EIP)
	test eax, 3
	jz unexpected			; a #GP in our own kernel is a bug
	mov ebx, [esp + 32 + 4]
	cmp byte [ebx], 0xEC
	jne unexpected
	inc dword [esp + 32 + 4]
	inc dword [count_gp]
	mov eax, [esp + 32]
	mov esi, msg_gp
	call print_hex16_line
	popad
	add esp, 4			; drop the error code before iret
	iretd

; #PF: map FAULT_PAGE and return, so the faulting store runs again.
page_fault:
	pushad
	mov eax, cr2
	cmp eax, FAULT_PAGE
	jne unexpected
	mov esi, msg_pf_cr2
	call print_hex32_line
	mov eax, [esp + 32]
	mov esi, msg_pf_error
	call print_hex16_line
	mov dword [PAGE_TABLE + (FAULT_PAGE >> 12) * 4], FAULT_PAGE | PTE_PRESENT | PTE_WRITABLE
	invlpg [FAULT_PAGE]
	inc dword [count_pf]
	popad
	add esp, 4
	iretd

; IRQ 0: count PIT ticks. DS may be the user's after the ring-3 drop; both are flat.
timer_irq:
	push eax
	inc dword [ticks]
	mov al, 0x20			; end of interrupt to the master PIC
	out PIC1, al
	pop eax
	iretd

; int 0x80 (DPL 3 gate, so ring 3 may use it): eax = call number.
syscall_entry:
	pushad
	mov ecx, [esp + 32 + 4]		; caller's CS
	mov [syscall_caller_cs], ecx
	cmp eax, SYS_WRITE
	je .write
	cmp eax, SYS_TICKS
	je .ticks
	cmp eax, SYS_EXIT
	je .exit
	jmp unexpected
.write:
	mov esi, ebx
	call print
	popad
	iretd
.ticks:
	mov eax, [ticks]
	mov [esp + 28], eax		; the EAX slot of pushad: the return value
	popad
	iretd
.exit:
	mov esi, msg_summary_de
	mov eax, [count_de]
	call print_digit_line
	mov esi, msg_summary_gp
	mov eax, [count_gp]
	call print_digit_line
	mov esi, msg_summary_pf
	mov eax, [count_pf]
	call print_digit_line
	mov esi, msg_exit
	call print
	mov eax, ebx			; the status becomes V: exit code (V << 1) | 1
	mov dx, DEBUG_EXIT
	out dx, al
	jmp $

; Anything else: say so and stop with V = 1 (exit code 3, failure).
unexpected:
	mov esi, msg_unexpected
	call print
	mov al, 1
	out DEBUG_EXIT, al
	jmp $

; build_idt: every vector starts at `unexpected`, then the ones we handle.
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
	mov ecx, 13
	mov eax, general_protection
	call set_gate
	mov ecx, 14
	mov eax, page_fault
	call set_gate
	mov ecx, 0x20
	mov eax, timer_irq
	call set_gate
	mov ecx, 0x80
	mov eax, syscall_entry
	mov dl, 0xEE			; DPL 3: int 0x80 allowed from ring 3
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

; ===========================================================================
; Serial output (COM1, polled) and printing values: the helpers every example
; guest shares, from examples/lib. serial.inc: serial_init, putc, print.
; print.inc: print_hex and the *_line helpers (label at ESI, value in EAX, newline).
; ===========================================================================
%include "../lib/serial.inc"
%include "../lib/print.inc"

; The demo's own line helpers, for what its probes report.
; print_if_line: IF (EFLAGS bit 9) of the EFLAGS value in EAX.
print_if_line:
	shr eax, 9
	and eax, 1
	jmp print_digit_line
; print_zf_line: 1 if ZF is set, else 0.
print_zf_line:
	setz al
	movzx eax, al
	jmp print_digit_line

; print_table_register: base and limit from table_buffer (as sgdt/sidt store them).
print_table_register:
	call print
	mov eax, [table_buffer + 2]
	push ecx
	mov ecx, 8
	call print_hex
	mov esi, msg_limit
	call print
	movzx eax, word [table_buffer]
	mov ecx, 4
	call print_hex
	pop ecx
	jmp newline

; ===========================================================================
; Data
; ===========================================================================

ticks:			dd 0
count_de:		dd 0
count_gp:		dd 0
count_pf:		dd 0
syscall_caller_cs:	dd 0
table_buffer:		times 6 db 0

msg_banner:	db "Ringside demo: every class of instruction, and what the guest sees", 10, 0
msg_magic:	db "multiboot: eax=", 0
msg_lgdt:	db "lgdt: own GDT loaded, far jmp reloaded cs, data segments reloaded", 10, 0
msg_lidt:	db "lidt: IDT with 256 gates loaded", 10, 0
msg_ltr:	db "lldt/ltr: null LDT, TSS loaded (esp0 = kernel stack)", 10, 0
msg_pic:	db "in/out: PIC remapped to 0x20/0x28, mask read back ", 0
msg_pit:	db "out: PIT channel 0 at 100 Hz", 10, 0
msg_cr0:	db "mov cr0: read ", 0
msg_cr4:	db "mov cr4: set PSE, read back ", 0
msg_cr3:	db "mov cr3: wrote the page directory, read back ", 0
msg_paging:	db "paging: enabled, cr0=", 0
msg_alias_a:	db "invlpg: alias page reads ", 0
msg_alias_b:	db "invlpg: after remap + invlpg it reads ", 0
msg_clts:	db "clts: TS cleared, cr0=", 0
msg_lmsw:	db "lmsw: set MP, cr0=", 0
msg_dr7:	db "mov dr7: read back ", 0
msg_msr:	db "wrmsr/rdmsr IA32_SYSENTER_CS: read back ", 0
msg_wbinvd:	db "wbinvd: done", 10, 0
msg_hlt:	db "sti; hlt: woken by a PIT tick=", 0
msg_pushf_sti:	db "pushfd after sti: IF=", 0
msg_pushf_cli:	db "pushfd after cli: IF=", 0
msg_popf:	db "popfd setting IF: IF=", 0
msg_sgdt:	db "sgdt: base=", 0
msg_sidt:	db "sidt: base=", 0
msg_limit:	db " limit=", 0
msg_sldt:	db "sldt: ", 0
msg_str:	db "str: ", 0
msg_smsw:	db "smsw: ", 0
msg_push_cs:	db "push cs: rpl=", 0
msg_mov_cs:	db "mov ax, cs: rpl=", 0
msg_lar_kcs:	db "lar 0x08: ", 0
msg_lar_ucs:	db "lar 0x1b: ", 0
msg_lsl:	db "lsl 0x10: ", 0
msg_verr:	db "verr 0x08: readable=", 0
msg_verw_cs:	db "verw 0x08: writable=", 0
msg_verw_ds:	db "verw 0x10: writable=", 0
msg_far_cs:	db "far call 0x08:far_target: pushed cs=", 0
msg_far_back:	db "retf: back from the far call", 10, 0
msg_int80_ring0: db "int 0x80 from ring 0: write works", 10, 0
msg_int80_rpl:	db "int 0x80 from ring 0: caller rpl=", 0
msg_de:		db "#DE: divide by zero caught, div skipped", 10, 0
msg_de_back:	db "div: resumed after the handler", 10, 0
msg_pf_cr2:	db "#PF: cr2=", 0
msg_pf_error:	db "#PF: error code=", 0
msg_pf_back:	db "#PF: page mapped, store retried, it reads ", 0
msg_to_user:	db "iret: dropping to ring 3", 10, 0
msg_gp:		db "#GP from ring 3 in al, dx: error code=", 0
msg_summary_de:	db "summary: #DE caught ", 0
msg_summary_gp:	db "summary: #GP caught ", 0
msg_summary_pf:	db "summary: #PF caught ", 0
msg_exit:	db "exit: V=0 to port 0xF4 (exit code 1)", 10, 0
msg_unexpected:	db "unexpected interrupt or exception: stopping", 10, 0


; ===========================================================================
; 7. Ring 3: its own page(s), marked user. It reaches the kernel only by int 0x80.
; ===========================================================================
align 4096
user_code:
	mov eax, SYS_WRITE
	mov ebx, user_hello
	int 0x80

	mov dx, COM1 + 5
	in al, dx			; IOPL 0 at ring 3: #GP, the kernel skips it

	mov eax, SYS_TICKS
	int 0x80
	mov esi, eax
.wait_tick:				; timer interrupts arrive while we run at ring 3
	mov eax, SYS_TICKS
	int 0x80
	cmp eax, esi
	je .wait_tick
	mov eax, SYS_WRITE
	mov ebx, user_ticked
	int 0x80

	mov eax, SYS_EXIT
	xor ebx, ebx			; status 0: success
	int 0x80
	jmp $				; not reached

user_hello:	db "ring 3: hello through int 0x80", 10, 0
user_ticked:	db "ring 3: the tick counter advanced while in user mode", 10, 0

image_end:
