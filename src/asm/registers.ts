// Register names of the 32-bit guest ISA, mapped to iced-x86's Register values.

import { Register } from 'iced-x86';

export type RegisterClass = 'gpr8' | 'gpr16' | 'gpr32' | 'sreg' | 'cr' | 'dr';

export interface RegisterInfo {
	name: string;
	cls: RegisterClass;
	iced: Register;
	/** Encoding number (ModRM field value). */
	number: number;
}

const table = new Map<string, RegisterInfo>();
const add = (cls: RegisterClass, names: string[], first: Register): void => {
	names.forEach((name, i) => table.set(name, { name, cls, iced: (first + i) as Register, number: i }));
};
add('gpr8', ['al', 'cl', 'dl', 'bl', 'ah', 'ch', 'dh', 'bh'], Register.AL);
add('gpr16', ['ax', 'cx', 'dx', 'bx', 'sp', 'bp', 'si', 'di'], Register.AX);
add('gpr32', ['eax', 'ecx', 'edx', 'ebx', 'esp', 'ebp', 'esi', 'edi'], Register.EAX);
add('sreg', ['es', 'cs', 'ss', 'ds', 'fs', 'gs'], Register.ES);
add('cr', ['cr0', 'cr1', 'cr2', 'cr3', 'cr4', 'cr5', 'cr6', 'cr7'], Register.CR0);
add('dr', ['dr0', 'dr1', 'dr2', 'dr3', 'dr4', 'dr5', 'dr6', 'dr7'], Register.DR0);

export function registerInfo(name: string): RegisterInfo | undefined {
	return table.get(name.toLowerCase());
}

export const isRegisterName = (name: string): boolean => table.has(name.toLowerCase());

/** 64-bit registers a user may try out of habit: named in a clearer error. */
export const LONG_MODE_REGISTERS = new Set(['rax', 'rbx', 'rcx', 'rdx', 'rsi', 'rdi', 'rsp', 'rbp', 'r8', 'r9', 'r10', 'r11', 'r12', 'r13', 'r14', 'r15']);
