// The words of NASM-syntax x86 assembly that the grammar, completion and hovers
// share. Mnemonics come from iced-x86, which knows every encoding.

import { Mnemonic } from 'iced-x86';

export const REGISTERS = {
	general: ['eax', 'ebx', 'ecx', 'edx', 'esi', 'edi', 'esp', 'ebp', 'ax', 'bx', 'cx', 'dx', 'si', 'di', 'sp', 'bp',
		'al', 'ah', 'bl', 'bh', 'cl', 'ch', 'dl', 'dh'],
	segment: ['cs', 'ds', 'es', 'fs', 'gs', 'ss'],
	control: ['cr0', 'cr2', 'cr3', 'cr4'],
	debug: ['dr0', 'dr1', 'dr2', 'dr3', 'dr6', 'dr7'],
	fpu: ['st0', 'st1', 'st2', 'st3', 'st4', 'st5', 'st6', 'st7'],
	simd: ['mm0', 'mm1', 'mm2', 'mm3', 'mm4', 'mm5', 'mm6', 'mm7', 'xmm0', 'xmm1', 'xmm2', 'xmm3', 'xmm4', 'xmm5', 'xmm6', 'xmm7'],
} as const;

export const SIZE_KEYWORDS = ['byte', 'word', 'dword', 'qword', 'tword', 'oword', 'far', 'near', 'short', 'strict', 'nosplit', 'rel', 'abs'];

export const ASSEMBLER_DIRECTIVES = ['bits', 'use16', 'use32', 'org', 'section', 'segment', 'global', 'extern', 'common', 'align',
	'alignb', 'times', 'equ', 'db', 'dw', 'dd', 'dq', 'dt', 'do', 'resb', 'resw', 'resd', 'resq', 'rest', 'reso', 'incbin', 'cpu',
	'default', 'absolute', 'struc', 'endstruc', 'istruc', 'at', 'iend'];

export const PREFIXES = ['lock', 'rep', 'repe', 'repz', 'repne', 'repnz'];

let mnemonics: string[] | undefined;

/** Every x86 mnemonic iced-x86 knows, lower case. */
export function allMnemonics(): readonly string[] {
	mnemonics ??= Object.keys(Mnemonic)
		.filter((k) => Number.isNaN(Number(k)) && k !== 'INVALID')
		.map((k) => k.toLowerCase())
		.sort();
	return mnemonics;
}

export const ALL_REGISTERS: readonly string[] = Object.values(REGISTERS).flat();
