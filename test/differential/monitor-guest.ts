// Random guest kernels for comparing the monitor's modes with each other: a
// fixed prologue (GDT with ring-3 segments and a TSS, IDT, identity paging of
// the first 8 MiB) then a list of units, each a short random instruction
// sequence followed by a dump of the architectural state over COM1. A unit is
// self-contained NASM text with `@` standing for its own label prefix, so any
// subset of units still assembles: that is what the minimiser relies on.

import { Prng } from './prng';

export interface MonitorUnit {
	/** What the unit exercises, for reports: 'ring3', 'privileged', ... */
	kind: string;
	/** NASM lines; `@` is replaced by a label prefix unique to the unit. */
	lines: string[];
}

const REGISTERS = ['eax', 'ecx', 'edx', 'ebx', 'ebp', 'esi', 'edi'] as const;
const SELECTORS = [0x00, 0x08, 0x10, 0x18, 0x1b, 0x20, 0x23, 0x28, 0x30, 0x2b];
/** Flags a popfd may set: arithmetic flags, DF, IF, and IOPL. TF and the rest would trap or change modes. */
const POPF_MASK = 0x8d5 | 0x400 | 0x200 | 0x3000;

const hex = (value: number): string => `0x${(value >>> 0).toString(16)}`;

function innocuous(prng: Prng): string[] {
	const a = prng.pick(REGISTERS);
	const b = prng.pick(REGISTERS);
	switch (prng.int(0, 7)) {
		case 0: return [`mov ${a}, ${hex(prng.interesting())}`];
		case 1: return [`${prng.pick(['add', 'sub', 'xor', 'and', 'or', 'adc', 'sbb', 'cmp'])} ${a}, ${b}`];
		case 2: return [`${prng.pick(['inc', 'dec', 'neg', 'not'])} ${a}`];
		case 3: return [`${prng.pick(['shl', 'shr', 'sar', 'rol'])} ${a}, ${prng.int(0, 31)}`];
		case 4: return [`imul ${a}, ${b}`];
		case 5: return [`push ${a}`, `pop ${b}`];
		case 6: return [`lea ${a}, [${b} + ${prng.int(-64, 64)}]`];
		default: return [`xchg ${a}, ${b}`];
	}
}

/** Sensitive but unprivileged instructions, legal at ring 0 and ring 3. */
function sensitive(prng: Prng): string[] {
	const r = prng.pick(REGISTERS);
	const selector = prng.pick(SELECTORS);
	switch (prng.int(0, 10)) {
		case 0: return ['pushfd', `pop ${r}`];
		case 1: return [`push ${hex(prng.next() & POPF_MASK | 2)}`, 'popfd'];
		case 2: return ['sgdt [scratch_table]', `mov ${r}, [scratch_table + 2]`];
		case 3: return ['sidt [scratch_table]', `mov ${r}, [scratch_table + 2]`];
		case 4: return [`${prng.pick(['sldt', 'str', 'smsw'])} ${r === 'ebp' ? 'ax' : r.replace('e', '')}`];
		case 5: return [`push ${prng.pick(['cs', 'ss', 'ds'])}`, `pop ${r}`];
		case 6: return [`mov ${r}, ${prng.pick(['cs', 'ss', 'ds', 'es'])}`];
		case 7: return [`mov ${r}, ${hex(selector)}`, `lar eax, ${r}`];
		case 8: return [`mov ${r}, ${hex(selector)}`, `lsl ecx, ${r}`];
		case 9: return [`mov ax, ${hex(selector)}`, `${prng.pick(['verr', 'verw'])} ax`];
		default: return ['smsw [scratch_table]', `mov ${r}, [scratch_table]`];
	}
}

function privileged(prng: Prng): string[] {
	switch (prng.int(0, 12)) {
		case 0: return ['mov eax, cr0', 'mov cr0, eax'];
		case 1: return ['mov eax, cr0', `xor eax, ${hex(prng.pick([0x8, 0x2, 0x10000]))}`, 'mov cr0, eax'];
		case 2: return ['mov eax, cr3', 'mov cr3, eax'];
		case 3: return ['mov eax, cr4', `xor eax, ${hex(prng.pick([0x4, 0x80, 0x8]))}`, 'mov cr4, eax'];
		case 4: return [`invlpg [${hex(prng.int(0, 0x7fffff))}]`];
		case 5: return [prng.pick(['lgdt [gdt_descriptor]', 'lidt [idt_descriptor]'])];
		case 6: return [prng.pick(['clts', 'wbinvd'])];
		case 7: return [`mov ecx, ${hex(prng.int(0x174, 0x176))}`, `mov eax, ${hex(prng.interesting())}`, 'xor edx, edx', 'wrmsr'];
		case 8: return [`mov ecx, ${hex(prng.int(0x174, 0x176))}`, 'rdmsr'];
		case 9: return [prng.pick(['cli', 'sti'])];
		case 10: return [`mov al, ${prng.int(0, 255)}`, 'out 0x80, al'];
		case 11: return ['in al, 0x80'];
		default: return ['mov eax, cr2'];
	}
}

/** Segment register loads at ring 0: every selector here is loadable at CPL 0. */
function segmentLoad(prng: Prng, noNullLoads: boolean): string[] {
	switch (prng.int(0, 3)) {
		case 0: return [`mov ax, ${hex(prng.pick(noNullLoads ? [0x10, 0x20, 0x23] : [0x10, 0x20, 0x23, 0x00]))}`, `mov ${prng.pick(['es', 'fs', 'gs'])}, ax`];
		case 1: return [`push ${prng.pick(['ds', 'es', 'ss'])}`, `pop ${prng.pick(['es', 'fs', 'gs'])}`];
		case 2: return ['mov ax, 0x10', 'mov ss, ax'];
		default: return ['mov ax, 0x10', 'mov ds, ax'];
	}
}

function controlTransfer(prng: Prng, noNullLoads: boolean): string[] {
	switch (prng.int(0, 6)) {
		case 4: {
			// A unit may hold several of these: a random suffix keeps their labels apart.
			const label = `@after_iret_${prng.next().toString(16)}`;
			return ['pushfd', 'push cs', `push ${label}`, 'iretd', `${label}:`];
		}
		case 5: return ['int3'];
		case 6: return segmentLoad(prng, noNullLoads);
		case 0: return ['call 0x08:far_target'];
		case 1: return ['int 0x40'];
		case 2: return ['and dword [FAULT_PTE], 0xfffffffe', 'invlpg [FAULT_PAGE]', `mov ${prng.pick(REGISTERS)}, [FAULT_PAGE + ${prng.int(0, 1023) * 4}]`];
		default: return ['and dword [FAULT_PTE], 0xfffffffe', 'invlpg [FAULT_PAGE]', `mov [FAULT_PAGE + ${prng.int(0, 1023) * 4}], ${prng.pick(REGISTERS)}`];
	}
}

/**
 * Sensitive instructions whose ring-3 result does not depend on what the
 * monitor keeps in the real registers: selectors read back with their RPL,
 * and VERR/VERW, whose answer for these selectors is the same at real DPL 0 or 1.
 */
function unrevealing(prng: Prng): string[] {
	const r = prng.pick(REGISTERS);
	switch (prng.int(0, 2)) {
		case 0: return [`push ${prng.pick(['cs', 'ss', 'ds'])}`, `pop ${r}`];
		case 1: return [`mov ${r}, ${prng.pick(['cs', 'ss', 'ds', 'es'])}`];
		default: return [`mov ax, ${hex(prng.pick(SELECTORS))}`, `${prng.pick(['verr', 'verw'])} ax`];
	}
}

/** A drop to ring 3 (iret), a few ring-3 instructions, and back through int 0x80. */
function ring3(prng: Prng, leaks: boolean): string[] {
	const lines = ['push 0x23', 'push USER_STACK_TOP', 'pushfd', 'push 0x1b', 'push @ring3', 'iretd', '@ring3:', 'mov ax, 0x23', 'mov ds, ax', 'mov es, ax'];
	if (prng.chance(0.3)) lines.splice(0, 0, 'and dword [FAULT_PTE], 0xfffffffe', 'invlpg [FAULT_PAGE]');
	// With IOPL 3 ring 3 may use CLI/STI/IN/OUT, which fault at the real IOPL 0 the monitor keeps.
	const iopl3 = prng.chance(0.3);
	if (iopl3) lines.splice(0, 0, 'pushfd', 'or dword [esp], 0x3000', 'popfd');
	for (let i = prng.int(1, 5); i > 0; i--) {
		const pick = prng.int(0, 9);
		if (iopl3 && pick < 2) lines.push(prng.pick(['cli', 'sti', 'in al, 0x80', 'out 0x80, al']));
		else if (pick < 4) lines.push(...innocuous(prng));
		else if (pick < 9) lines.push(...(leaks ? sensitive(prng) : unrevealing(prng)));
		else lines.push(`mov eax, [FAULT_PAGE + ${prng.int(0, 1023) * 4}]`);
	}
	lines.push('int 0x80');
	return lines;
}

/**
 * Options of the generator. `ring3Leaks`: let ring-3 code use every sensitive
 * instruction. Guest ring 3 runs by direct execution in every mode, so SGDT,
 * SIDT, SMSW, STR, LAR, LSL and PUSHF there read the monitor's real state: a
 * known limitation of the design, off by default so that campaigns look for bugs.
 */
export interface GeneratorOptions {
	ring3Leaks?: boolean;
	/** Only innocuous and privileged instructions at ring 0: no hole, so trap-and-emulate is compared to the end. */
	privilegedOnly?: boolean;
	/** Leave out loads of the null selector, to look past the open bug kept in null-fs-load-binary-translation.asm. */
	noNullLoads?: boolean;
}

export function randomUnit(prng: Prng, options: GeneratorOptions = {}): MonitorUnit {
	if (options.privilegedOnly) {
		const lines: string[] = [];
		for (let i = prng.int(1, 4); i > 0; i--) lines.push(...(prng.chance(0.4) ? innocuous(prng) : privileged(prng)));
		return { kind: 'privileged', lines };
	}
	const pick = prng.int(0, 9);
	if (pick === 9) return { kind: 'ring3', lines: ring3(prng, options.ring3Leaks ?? false) };
	const lines: string[] = [];
	let kind = 'innocuous';
	for (let i = prng.int(1, 4); i > 0; i--) {
		const choice = prng.int(0, 9);
		if (choice < 3) lines.push(...innocuous(prng));
		else if (choice < 6) { lines.push(...sensitive(prng)); kind = 'sensitive'; }
		else if (choice < 9) { lines.push(...privileged(prng)); kind = 'privileged'; }
		else { lines.push(...controlTransfer(prng, options.noNullLoads ?? false)); kind = 'transfer'; }
	}
	return { kind, lines };
}

export function randomUnits(seed: number, count: number, options: GeneratorOptions = {}): MonitorUnit[] {
	const prng = new Prng(seed);
	const units: MonitorUnit[] = [{ kind: 'registers', lines: REGISTERS.map((r) => `mov ${r}, ${hex(prng.interesting())}`) }];
	while (units.length < count) units.push(randomUnit(prng, options));
	return units;
}

/**
 * How the guest reports its state. 'full' dumps every register a guest can
 * read, sensitive ones included. 'hole-free' uses no sensitive instruction in
 * the prologue or the dump (the boot selectors are kept, flags are read with
 * LAHF/SETO and put back the same way), so that under trap-and-emulate, whose
 * comparison stops at the first hole, the comparison ends at the first hole a
 * unit itself makes.
 */
export type DumpStyle = 'full' | 'hole-free';

/** The whole guest program: prologue, units each followed by a state dump, exit. */
export function monitorGuestSource(units: readonly MonitorUnit[], style: DumpStyle = 'full'): string {
	const body = units.flatMap((unit, i) => [
		`; unit ${i}: ${unit.kind}`,
		...unit.lines.map((line) => line.replaceAll('@', `u${i}_`)),
		`mov dword [unit_number], ${i}`,
		'call dump',
	]);
	const prologue = PROLOGUE.join('\n')
		.replace(RELOAD_SEGMENTS, () => (style === 'full' ? RELOAD_SEGMENTS : ''))
		.replace(/^dump:[^]*?^units:$/m, () => (style === 'full' ? FULL_DUMP : HOLE_FREE_DUMP));
	return [prologue, ...body.map((l) => (l.endsWith(':') ? l : `\t${l}`)), ...EPILOGUE].join('\n') + '\n';
}

const RELOAD_SEGMENTS = `	jmp 0x08:.reloaded
.reloaded:
	mov ax, 0x10
	mov ds, ax
	mov es, ax
	mov fs, ax
	mov gs, ax
	mov ss, ax
`;

const PROLOGUE = `bits 32
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
dump:
units:
`.split('\n');

const FULL_DUMP = `dump:					; one line of architectural state; preserves registers and EFLAGS
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
units:`;

const HOLE_FREE_DUMP = `dump:					; registers, arithmetic flags and control registers, with no sensitive instruction
	mov [saved_eax], eax
	lahf
	mov [saved_ah], ah
	seto [saved_of]
	mov eax, [saved_eax]
	pushad
	mov esi, msg_unit
	call print_forward
	mov eax, [unit_number]
	call print_hex
	movzx eax, byte [saved_ah]
	call print_hex
	movzx eax, byte [saved_of]
	call print_hex
	mov ebp, 28
.registers:				; eax, ecx, edx, ebx, esp, ebp, esi, edi
	mov eax, [esp + ebp]
	call print_hex
	sub ebp, 4
	jns .registers
	mov eax, cr0
	call print_hex
	mov eax, cr2
	call print_hex
	mov eax, cr3
	call print_hex
	mov eax, cr4
	call print_hex
	mov eax, [last_error_code]
	call print_hex
	mov al, 10
	out dx, al
	popad
	mov al, [saved_of]
	add al, 0x7f			; overflows exactly when OF was set
	mov ah, [saved_ah]
	sahf
	mov eax, [saved_eax]
	ret
print_forward:				; esi = zero-terminated string, whatever DF holds
	mov dx, COM1
.next:
	mov al, [esi]
	inc esi
	test al, al
	jz .done
	out dx, al
	jmp .next
.done:
	ret
units:`;

const EPILOGUE = [
	'\tmov al, 0',
	'\tout 0xf4, al',
	'\tjmp $',
	...Array.from({ length: 32 }, (_, v) => `vector_${v}:\n${[8, 10, 11, 12, 13, 14, 17].includes(v) ? '' : '\tpush 0\n'}\tpush ${v}\n\tjmp fatal`),
	'align 4',
	`vector_stubs: dd ${Array.from({ length: 32 }, (_, v) => `vector_${v}`).join(', ')}`,
	'unit_number: dd 0',
	'ring3_return: dd 0',
	'saved_eax: dd 0',
	'saved_ah: db 0',
	'saved_of: db 0',
	'last_error_code: dd 0',
	'stored_table: times 8 db 0',
	'scratch_table: times 8 db 0',
	'hex_digits: db "0123456789abcdef"',
	'msg_unit: db "unit", 0',
	'msg_fatal: db "FATAL vector", 0',
	'align 8',
	'gdt:',
	'\tdq 0',
	'\tdq 0x00CF9B000000FFFF',
	'\tdq 0x00CF93000000FFFF',
	'\tdq 0x00CFFB000000FFFF',
	'\tdq 0x00CFF3000000FFFF',
	'TSS_ADDR equ tss - $$ + 0x100000',
	'\tdw tss_end - tss - 1',
	'\tdw TSS_ADDR & 0xFFFF',
	'\tdb (TSS_ADDR >> 16) & 0xFF',
	'\tdb 0x89',
	'\tdb 0',
	'\tdb TSS_ADDR >> 24',
	'gdt_end:',
	'gdt_descriptor:',
	'\tdw gdt_end - gdt - 1',
	'\tdd gdt',
	'idt_descriptor:',
	'\tdw 256 * 8 - 1',
	'\tdd idt',
	'tss:',
	'\tdd 0, KERNEL_STACK_TOP, 0x10',
	'\ttimes 22 dd 0',
	'\tdw 0, tss_end - tss',
	'tss_end:',
	'align 8',
	'idt: times 256 * 8 db 0',
	'image_end:',
];
