; page-faults.asm - the guest's own page faults, one of each kind, with the
; error code, CR2 and saved state the CPU reports.
;
; At ring 0: a read and a write of not-present pages, a write to a read-only
; page with CR0.WP clear (allowed) and set (a fault), a rep movsd that runs
; into a not-present page (the registers show how far it got), and an
; instruction whose last bytes are on a not-present page (accesses that
; straddle two pages are split-access.asm's). At ring 3: reads of a supervisor page and of a not-present page, a write
; to a read-only page. The handler prints what it was given, then either maps
; the page so the instruction runs again or resumes after it. A monitor with
; shadow page tables must reflect each of these as the guest's fault and
; handle its own (shadow misses) unseen.

bits 32
org 0x100000

USER_STACK_TOP	equ 0x00080000
PAGE_DIR	equ 0x00200000
PAGE_TABLE	equ 0x00201000	; 0-4 MiB
HIGH_TABLE	equ 0x00202000	; 4-8 MiB
SUPERVISOR	equ 0x003A0000	; present, writable, supervisor only
READ_ONLY	equ 0x003A1000	; present, user, read-only
ABSENT_READ	equ 0x003A2000	; not present (first read at ring 0)
MOVS_DEST	equ 0x003A3000	; present; the page after it is not
ABSENT_WRITE	equ 0x003A5000	; not present (first written at ring 0)
WP_PAGE		equ 0x003A8000	; present, read-only, written at ring 0
USER_ABSENT	equ 0x003A9000	; not present (first read at ring 3)
MOVS_SOURCE	equ 0x003AA000
CODE		equ 0x00500000	; linear: CODE_FRAME, then CODE_FRAME + 0x1000 not present
CODE_FRAME	equ 0x003B0000
ENTRY		equ CODE + 0xFFE	; a 5-byte instruction across the two pages

%define PTE(linear) (PAGE_TABLE + (((linear) >> 12) & 0x3FF) * 4)

%include "../lib/multiboot.inc"
%include "../lib/start.inc"
%include "../lib/user-mode.inc"
%include "../lib/paging-on.inc"

main:
	call load_gdt
	mov ax, 0x28
	ltr ax
	call build_idt
	mov ecx, 14
	mov eax, page_fault
	call set_gate
	mov ecx, 0x80
	mov eax, syscall_entry
	mov dl, 0xEE			; present, DPL 3, 32-bit interrupt gate
	call set_gate_dpl
	lidt [idt_descriptor]
	call build_tables
	PAGING_ON

	mov esi, msg_read_absent
	call print
	mov dword [fixer], map_present
	mov eax, [ABSENT_READ + 0x10]
	mov esi, msg_value
	call print_hex32_line

	mov esi, msg_write_absent
	call print
	mov dword [ABSENT_WRITE + 0x20], 0xA11CE
	mov eax, [ABSENT_WRITE + 0x20]
	mov esi, msg_value
	call print_hex32_line

	mov esi, msg_write_wp_clear
	call print
	mov dword [WP_PAGE], 0x1111	; no fault: ring 0 may write with WP clear
	mov eax, cr0
	or eax, 0x00010000		; CR0.WP
	mov cr0, eax
	mov esi, msg_write_wp_set
	call print
	mov dword [fixer], map_writable
	mov dword [WP_PAGE + 4], 0x2222
	mov eax, cr0
	and eax, ~0x00010000
	mov cr0, eax
	mov eax, [WP_PAGE]
	add eax, [WP_PAGE + 4]
	mov esi, msg_value
	call print_hex32_line

	mov dword [fixer], map_present
	mov esi, msg_movs
	call print
	mov esi, MOVS_SOURCE
	mov edi, MOVS_DEST + 0xFF0
	mov ecx, 8
	cld
movs_instruction:
	rep movsd
	mov eax, [MOVS_DEST + 0x1000 + 12]
	mov esi, msg_value
	call print_hex32_line

	mov esi, msg_fetch
	call print
	mov dword [fixer], map_code
	call ENTRY
	mov esi, msg_value
	call print_hex32_line

	ENTER_RING3 user_main

user_main:
	mov eax, resume			; faults below are skipped...
	mov edi, 2
	int 0x80
	mov esi, msg_user_supervisor
	mov edi, 1
	int 0x80
	mov ebx, .after_supervisor	; ...to where EBX says
	mov eax, [SUPERVISOR]
.after_supervisor:
	mov esi, msg_user_read_only
	mov edi, 1
	int 0x80
	mov ebx, .after_read_only
	mov dword [READ_ONLY], 1
.after_read_only:
	mov eax, map_present		; this one is mapped and runs again
	mov edi, 2
	int 0x80
	mov esi, msg_user_absent
	mov edi, 1
	int 0x80
	mov eax, [USER_ABSENT]
	mov edi, 4
	int 0x80
	mov edi, 3
	int 0x80
	jmp $				; not reached

; int 0x80: EDI = 1 prints the string at ESI, 2 makes EAX the fixer, 3 exits,
; 4 prints EAX as a value.
syscall_entry:
	cmp edi, 1
	je .print
	cmp edi, 2
	je .fixer
	cmp edi, 3
	je .exit
	cmp edi, 4
	je .value
	jmp unexpected
.print:
	call print
	iretd
.fixer:
	mov [fixer], eax
	iretd
.value:
	mov esi, msg_value
	call print_hex32_line
	iretd
.exit:
	mov esi, msg_done
	call print
	xor al, al
	jmp exit

; #PF: print the error code, CR2 and the saved EIP (and, for rep movsd, how far
; it got), then let the current fixer deal with the page.
page_fault:
	pushad
	mov ebp, esp
	mov eax, [ebp + 32]
	mov esi, msg_error
	call print_hex16_line
	mov eax, cr2
	mov esi, msg_cr2
	call print_hex32_line
	mov eax, [ebp + 36]
	mov esi, msg_eip
	call print_hex32_line
	cmp dword [ebp + 36], movs_instruction
	jne .fix
	mov eax, [ebp + 24]		; ECX
	mov esi, msg_ecx
	call print_hex32_line
	mov eax, [ebp + 4]		; ESI
	mov esi, msg_esi
	call print_hex32_line
	mov eax, [ebp]			; EDI
	mov esi, msg_edi
	call print_hex32_line
.fix:
	call [fixer]
	popad
	add esp, 4			; the error code
	iretd

; Fixers, called with EBP at the pushad frame (error code at EBP + 32).
map_present:				; the faulting page becomes present: the instruction runs again
	mov eax, cr2
	shr eax, 12
	or dword [PAGE_TABLE + eax * 4], 1
	mov eax, cr2
	invlpg [eax]
	ret
map_writable:				; the faulting page becomes writable
	mov eax, cr2
	shr eax, 12
	or dword [PAGE_TABLE + eax * 4], 2
	mov eax, cr2
	invlpg [eax]
	ret
map_code:				; the second code page becomes present
	or dword [HIGH_TABLE + ((CODE + 0x1000) >> 12 & 0x3FF) * 4], 1
	invlpg [CODE + 0x1000]
	ret
resume:					; skip the faulting instruction: ring 3 says where to go on in EBX
	mov eax, [ebp + 16]		; EBX
	mov [ebp + 36], eax
	ret

build_tables:
	mov edi, PAGE_DIR
	xor eax, eax
	mov ecx, 1024
	rep stosd
	mov edi, HIGH_TABLE
	mov ecx, 1024
	rep stosd
	mov dword [PAGE_DIR], PAGE_TABLE | 7
	mov dword [PAGE_DIR + 4], HIGH_TABLE | 7
	mov edi, PAGE_TABLE
	mov eax, 7			; user, writable
	mov ecx, 1024
.pte:
	stosd
	add eax, 0x1000
	loop .pte
	and dword [PTE(SUPERVISOR)], ~4
	and dword [PTE(READ_ONLY)], ~2
	and dword [PTE(WP_PAGE)], ~2
	and dword [PTE(ABSENT_READ)], ~1
	and dword [PTE(ABSENT_WRITE)], ~1
	and dword [PTE(MOVS_DEST + 0x1000)], ~1
	and dword [PTE(USER_ABSENT)], ~1
	mov dword [HIGH_TABLE + (CODE >> 12 & 0x3FF) * 4], CODE_FRAME | 7
	mov dword [HIGH_TABLE + ((CODE + 0x1000) >> 12 & 0x3FF) * 4], (CODE_FRAME + 0x1000) | 6
	; mov eax, 0xC0DEC0DE ; ret - across the page boundary at ENTRY
	mov byte [CODE_FRAME + 0xFFE], 0xB8
	mov byte [CODE_FRAME + 0xFFF], 0xDE
	mov word [CODE_FRAME + 0x1000], 0xDEC0
	mov byte [CODE_FRAME + 0x1002], 0xC0
	mov byte [CODE_FRAME + 0x1003], 0xC3
	mov edi, MOVS_SOURCE
	mov eax, 0x50505050
	mov ecx, 8
.source:
	stosd
	add eax, 0x01010101
	loop .source
	mov dword [ABSENT_READ + 0x10], 0x5EAD
	mov dword [USER_ABSENT], 0x3EAD
	ret

%include "../lib/kernel.inc"
%include "../lib/user-gdt.inc"


fixer:		dd map_present		; what the #PF handler does about the page

msg_read_absent:	db "ring 0 reads a page that is not present", 10, 0
msg_write_absent:	db "ring 0 writes a page that is not present", 10, 0
msg_write_wp_clear:	db "ring 0 writes a read-only page, CR0.WP clear: no fault", 10, 0
msg_write_wp_set:	db "ring 0 writes a read-only page, CR0.WP set", 10, 0
msg_movs:		db "rep movsd runs into a page that is not present", 10, 0
msg_fetch:		db "ring 0 calls an instruction whose end is on a page that is not present", 10, 0
msg_user_supervisor:	db "ring 3 reads a supervisor page", 10, 0
msg_user_read_only:	db "ring 3 writes a read-only page", 10, 0
msg_user_absent:	db "ring 3 reads a page that is not present", 10, 0
msg_error:		db "  #PF error=", 0
msg_cr2:		db "  cr2=", 0
msg_eip:		db "  eip=", 0
msg_ecx:		db "  ecx=", 0
msg_esi:		db "  esi=", 0
msg_edi:		db "  edi=", 0
msg_value:		db "  value ", 0
msg_done:		db "page-faults: done", 10, 0

image_end:
