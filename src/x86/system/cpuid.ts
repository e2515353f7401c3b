// CPUID: a Pentium Pro-class processor without an FPU, from a vendor of our own.

import { Reg } from '../registers';
import type { SystemCpu } from './system-cpu';

/** Exactly 12 ASCII characters, returned in EBX, EDX, ECX. */
export const CPU_VENDOR = 'RingsideVMM!';

/** Family 6, model 1, stepping 1. */
const SIGNATURE = (6 << 8) | (1 << 4) | 1;

const enum Feature { PSE = 1 << 3, TSC = 1 << 4, MSR = 1 << 5, CX8 = 1 << 8, PGE = 1 << 13, CMOV = 1 << 15 }
const FEATURES = Feature.PSE | Feature.TSC | Feature.MSR | Feature.CX8 | Feature.PGE | Feature.CMOV;
const HIGHEST_LEAF = 1;

function vendorWord(index: number): number {
	let word = 0;
	for (let i = 0; i < 4; i++) word |= CPU_VENDOR.charCodeAt(index * 4 + i) << (i * 8);
	return word;
}

export function cpuid(cpu: SystemCpu): void {
	const leaf = cpu.reg(Reg.EAX);
	const r = cpu.regs;
	if (leaf === 0) {
		r[Reg.EAX] = HIGHEST_LEAF;
		r[Reg.EBX] = vendorWord(0);
		r[Reg.EDX] = vendorWord(1);
		r[Reg.ECX] = vendorWord(2);
		return;
	}
	// Leaves above the highest (the extended ones included) answer like the highest, as Intel processors do.
	r[Reg.EAX] = SIGNATURE;
	r[Reg.EBX] = 0;
	r[Reg.ECX] = 0;
	r[Reg.EDX] = FEATURES;
}
