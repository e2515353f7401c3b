; accessed-dirty.asm - the accessed (A, 0x20) and dirty (D, 0x40) bits the CPU
; writes into the guest's own page tables.
;
; Each step clears A and D in an entry, drops the translation (INVLPG or a CR3
; reload, so the next access must walk the tables), makes one kind of access
; and prints the entry's A and D bits: a read sets A, a write sets A and D, a
; page directory entry that points at a page table gets A only, a 4 MiB page
; gets both in its directory entry, and two linear aliases of one frame keep
; their bits apart. Exceptions read the IDT and push on the stack: those pages
; get their bits too. Nothing printed depends on what a TLB may still hold.

bits 32
org 0x100000

PAGE_DIR	equ 0x00200000
PAGE_TABLE	equ 0x00201000	; identity map of 0-4 MiB
ALIAS_TABLE	equ 0x00202000	; 8-12 MiB: its first page is DATA again
IDT_COPY	equ 0x00280000	; the IDT on a page of its own
DATA		equ 0x00300000
READ_ONLY	equ 0x00301000	; mapped without R/W
STACK_PAGE	equ 0x00310000	; a stack on a page of its own
ALIAS		equ 0x00800000	; linear: DATA through ALIAS_TABLE
LARGE		equ 0x00C00000	; linear = physical: one 4 MiB page
AD		equ 0x60

%define PTE(linear) (PAGE_TABLE + ((linear) >> 12) * 4)
%define PDE(linear) (PAGE_DIR + ((linear) >> 22) * 4)

; CLEAR entry, linear: A and D off in the entry, the translation dropped.
%macro CLEAR 2
	and dword [%1], ~AD
	invlpg [%2]
%endmacro

; SHOW entry, label: prints the entry's A and D bits.
%macro SHOW 2
	mov eax, [%1]
	and eax, AD
	mov esi, %2
	call print_hex8_line
%endmacro

%include "../lib/multiboot.inc"
%include "../lib/start.inc"
%include "../lib/paging-on.inc"

main:
	call load_gdt
	call build_idt
	mov ecx, 6
	mov eax, invalid_opcode
	call set_gate
	mov esi, idt			; the IDT to a page nothing else uses
	mov edi, IDT_COPY
	mov ecx, 256 * 2
	rep movsd
	lidt [idt_copy_descriptor]
	call build_tables
	mov eax, cr4
	or eax, 0x10			; CR4.PSE: 4 MiB pages
	mov cr4, eax
	PAGING_ON
	mov esi, msg_on
	call print

	; A page through the identity map: read, then write.
	CLEAR PTE(DATA), DATA
	SHOW PTE(DATA), msg_cleared
	mov eax, [DATA]
	SHOW PTE(DATA), msg_read
	mov dword [DATA], 1
	SHOW PTE(DATA), msg_write

	; D cleared alone: a read leaves it clear, a read-modify-write sets it.
	and dword [PTE(DATA)], ~0x40
	invlpg [DATA]
	mov eax, [DATA + 4]
	SHOW PTE(DATA), msg_read_a_kept
	and dword [PTE(DATA)], ~0x40
	mov eax, cr3			; a CR3 reload drops the translation too
	mov cr3, eax
	add dword [DATA + 8], 3
	SHOW PTE(DATA), msg_rmw

	; cmpxchg writes its destination even when the comparison fails.
	CLEAR PTE(DATA), DATA
	mov dword [DATA + 12], 5
	CLEAR PTE(DATA), DATA
	xor eax, eax
	mov ecx, 7
	cmpxchg [DATA + 12], ecx	; EAX 0 differs from 5: no exchange
	SHOW PTE(DATA), msg_cmpxchg

	; The same frame through a second page table: each entry has its own bits.
	CLEAR PTE(DATA), DATA
	CLEAR PDE(ALIAS), ALIAS
	CLEAR ALIAS_TABLE, ALIAS
	SHOW PDE(ALIAS), msg_alias_pde_cleared
	mov eax, [ALIAS]
	SHOW PDE(ALIAS), msg_alias_pde_read
	SHOW ALIAS_TABLE, msg_alias_pte_read
	mov dword [ALIAS + 16], 2
	SHOW PDE(ALIAS), msg_alias_pde_write
	SHOW ALIAS_TABLE, msg_alias_pte_write
	SHOW PTE(DATA), msg_alias_other

	; A read-only page written at ring 0 with CR0.WP clear: allowed, and dirty.
	CLEAR PTE(READ_ONLY), READ_ONLY
	mov eax, [READ_ONLY]
	SHOW PTE(READ_ONLY), msg_ro_read
	mov dword [READ_ONLY], 9
	SHOW PTE(READ_ONLY), msg_ro_write
	mov dword [READ_ONLY + 4], 10	; the second write must land too
	mov eax, [READ_ONLY + 4]
	cmp eax, 10
	jne fail

	; A 4 MiB page keeps A and D in its directory entry.
	CLEAR PDE(LARGE), LARGE
	mov eax, [LARGE + 0x1234]
	SHOW PDE(LARGE), msg_large_read
	mov dword [LARGE + 0x3FF000], 4
	SHOW PDE(LARGE), msg_large_write

	; A stack on its own page: push writes, pop only reads.
	mov ebx, esp
	mov esp, STACK_PAGE + 0x1000
	CLEAR PTE(STACK_PAGE), STACK_PAGE
	push 0x1234
	SHOW PTE(STACK_PAGE), msg_push
	CLEAR PTE(STACK_PAGE), STACK_PAGE
	pop eax
	SHOW PTE(STACK_PAGE), msg_pop

	; An exception: the CPU reads the IDT and pushes its frame on the stack.
	CLEAR PTE(STACK_PAGE), STACK_PAGE
	CLEAR PTE(IDT_COPY), IDT_COPY
	ud2				; the handler skips it
	SHOW PTE(STACK_PAGE), msg_exception_stack
	SHOW PTE(IDT_COPY), msg_exception_idt
	mov esp, ebx

	mov esi, msg_done
	call print
	xor al, al
	jmp exit

fail:
	mov esi, msg_fail
	call print
	mov al, 1
	jmp exit

; #UD: step over the two-byte ud2.
invalid_opcode:
	add dword [esp], 2
	iretd

; Identity-map 0-4 MiB with READ_ONLY not writable; 8-12 MiB holds DATA at its
; start; 12-16 MiB is one 4 MiB page. Entries start with A and D set, so each
; step's clearing is what makes the difference.
build_tables:
	mov edi, PAGE_DIR
	xor eax, eax
	mov ecx, 1024
	rep stosd
	mov edi, ALIAS_TABLE
	mov ecx, 1024
	rep stosd
	mov dword [PDE(0)], PAGE_TABLE | AD | 3
	mov dword [PDE(ALIAS)], ALIAS_TABLE | AD | 3
	mov dword [PDE(LARGE)], LARGE | 0x80 | AD | 3	; PS: a 4 MiB page
	mov dword [ALIAS_TABLE], DATA | AD | 3
	mov edi, PAGE_TABLE
	mov eax, AD | 3
	mov ecx, 1024
.pte:
	stosd
	add eax, 0x1000
	loop .pte
	and dword [PTE(READ_ONLY)], ~2
	ret

%include "../lib/kernel.inc"
%include "../lib/flat-gdt.inc"

idt_copy_descriptor:
	dw 256 * 8 - 1
	dd IDT_COPY

msg_on:			db "accessed-dirty: paging on; values are entry & 0x60 (A = 0x20, D = 0x40)", 10, 0
msg_cleared:		db "pte, cleared: ", 0
msg_read:		db "pte, after a read: ", 0
msg_write:		db "pte, after a write: ", 0
msg_read_a_kept:	db "pte, D cleared, after a read: ", 0
msg_rmw:		db "pte, D cleared, CR3 reloaded, after add [mem]: ", 0
msg_cmpxchg:		db "pte, after a failing cmpxchg: ", 0
msg_alias_pde_cleared:	db "alias pde, cleared: ", 0
msg_alias_pde_read:	db "alias pde, after a read: ", 0
msg_alias_pte_read:	db "alias pte, after a read: ", 0
msg_alias_pde_write:	db "alias pde, after a write: ", 0
msg_alias_pte_write:	db "alias pte, after a write: ", 0
msg_alias_other:	db "identity pte of the same frame, untouched: ", 0
msg_ro_read:		db "read-only pte, after a read: ", 0
msg_ro_write:		db "read-only pte, after a ring-0 write (WP clear): ", 0
msg_large_read:		db "4 MiB pde, after a read: ", 0
msg_large_write:	db "4 MiB pde, after a write: ", 0
msg_push:		db "stack pte, after a push: ", 0
msg_pop:		db "stack pte, after a pop: ", 0
msg_exception_stack:	db "stack pte, after an exception: ", 0
msg_exception_idt:	db "idt pte, after an exception: ", 0
msg_done:		db "accessed-dirty: done", 10, 0
msg_fail:		db "accessed-dirty: a write to the read-only page was lost: FAIL", 10, 0

image_end:
