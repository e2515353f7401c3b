// The multiboot guest that runs a batch of sequences: for each one it loads
// the scratch buffer, clears the stack area, sets every register and EFLAGS,
// runs the sequence, and prints one state line on COM1 (polled); it ends by
// writing 0 to the isa-debug-exit port.

import { ARITH, analyse, flagNames } from './flag-rules';
import { listing, SCRATCH_BYTES, type Sequence } from './sequence';

/** Stack bytes cleared below and above each sequence's starting ESP (pops may run ahead of pushes). */
const STACK_BELOW = 2048;
const STACK_ABOVE = 1024;
export const GUEST_LINE_PREFIX = '#';
export const GUEST_ORIGIN = 0x100000;

/** The EFLAGS bits both CPUs must agree on after `sequence`: all but the arithmetic flags it leaves undefined. */
export function comparedEflags(sequence: Sequence): number {
	const result = analyse(sequence.units.flatMap((u) => u.flags));
	if ('problem' in result) throw new Error(`sequence is not comparable: ${result.problem}\n${listing(sequence)}`);
	return ~(result.undefinedAtEnd & ARITH) >>> 0;
}

export function undefinedFlagNames(sequence: Sequence): string {
	return flagNames(~comparedEflags(sequence) & ARITH);
}

function sequenceCode(sequence: Sequence, k: number): string[] {
	const hex = (v: number): string => `0x${(v >>> 0).toString(16)}`;
	const regs = ['eax', 'ecx', 'edx', 'ebx', 'esp', 'ebp', 'esi', 'edi'];
	const body = sequence.units.flatMap((u, i) => u.lines.map((line) => line.replaceAll('@', `s${k}u${i}_`)));
	return [
		`; sequence ${k}`,
		'cld',
		`mov esi, pattern${k}`,
		'mov edi, scratch',
		`mov ecx, ${SCRATCH_BYTES / 4}`,
		'rep movsd',
		'xor eax, eax',
		'mov edi, stack_area',
		`mov ecx, ${(STACK_BELOW + STACK_ABOVE) / 4}`,
		'rep stosd',
		'mov esp, sequence_stack',
		`push dword ${hex(sequence.eflags)}`,
		'popfd',
		...regs.flatMap((r, i) => (r === 'esp' ? [] : [`mov ${r}, ${hex(sequence.registers[i])}`])),
		...body.map((l) => (l.endsWith(':') ? l : `\t${l}`)),
		...regs.map((r, i) => `mov [state + ${4 * i}], ${r}`),
		'pushfd',
		'pop dword [state + 32]',
		'mov esp, HARNESS_STACK',
		`and dword [state + 32], ${hex(comparedEflags(sequence))}`,
		`mov eax, ${k}`,
		'call report',
	];
}

function patternData(sequence: Sequence, k: number): string {
	const bytes = sequence.scratch.match(/../g) ?? [];
	if (bytes.length !== SCRATCH_BYTES) throw new Error(`sequence ${k}: the scratch pattern has ${bytes.length} bytes, not ${SCRATCH_BYTES}`);
	const rows: string[] = [];
	for (let i = 0; i < bytes.length; i += 32) rows.push(`\tdb ${bytes.slice(i, i + 32).map((b) => `0x${b}`).join(', ')}`);
	return [`pattern${k}:`, ...rows].join('\n');
}

/** NASM source of the guest running `sequences` in order. */
export function guestSource(sequences: readonly Sequence[]): string {
	return `bits 32
org ${GUEST_ORIGIN}
MB_MAGIC equ 0x1BADB002
MB_FLAGS equ 0x00010000
COM1 equ 0x3F8
HARNESS_STACK equ 0x90000

multiboot_header:
	dd MB_MAGIC
	dd MB_FLAGS
	dd -(MB_MAGIC + MB_FLAGS)
	dd multiboot_header
	dd $$
	dd image_end
	dd image_end
	dd start

start:
	mov esp, HARNESS_STACK
	mov dx, COM1 + 1
	xor al, al
	out dx, al
	mov dx, COM1 + 3
	mov al, 0x80
	out dx, al
	mov dx, COM1
	mov al, 1
	out dx, al
	mov dx, COM1 + 1
	xor al, al
	out dx, al
	mov dx, COM1 + 3
	mov al, 0x03
	out dx, al
${sequences.flatMap((s, k) => sequenceCode(s, k)).join('\n')}
	mov dx, 0xF4
	xor al, al
	out dx, al
	jmp $

; report: prints "#k EAX ECX EDX EBX ESP EBP ESI EDI EFLAGS SUM" for sequence k (in EAX), ESP relative to its start.
report:
	mov bl, '${GUEST_LINE_PREFIX}'
	call putc
	call print_hex
	sub dword [state + 16], sequence_stack
	mov esi, state
	mov edi, 9
.field:
	mov bl, ' '
	call putc
	mov eax, [esi]
	call print_hex
	add esi, 4
	dec edi
	jnz .field
	xor eax, eax
	mov esi, scratch
	mov ecx, ${SCRATCH_BYTES / 4}
.sum:
	rol eax, 7
	xor eax, [esi]
	add esi, 4
	dec ecx
	jnz .sum
	mov bl, ' '
	call putc
	call print_hex
	mov bl, 10
	call putc
	ret

; print_hex: EAX as eight hex digits.
print_hex:
	push ecx
	mov ecx, 8
.digit:
	rol eax, 4
	mov ebx, eax
	and ebx, 15
	mov bl, [hex_digits + ebx]
	call putc
	dec ecx
	jnz .digit
	pop ecx
	ret

; putc: BL to COM1 once the transmitter holding register is empty.
putc:
	push eax
	push edx
	mov dx, COM1 + 5
.wait:
	in al, dx
	test al, 0x20
	jz .wait
	mov al, bl
	mov dx, COM1
	out dx, al
	pop edx
	pop eax
	ret

hex_digits: db '0123456789abcdef'
align 4
state: times 9 dd 0
scratch: times ${SCRATCH_BYTES} db 0
stack_area: times ${STACK_BELOW} db 0
sequence_stack: times ${STACK_ABOVE} db 0
${sequences.map((s, k) => patternData(s, k)).join('\n')}
image_end:
`;
}
