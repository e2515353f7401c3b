// Model-specific registers and the time-stamp counter. The TSC counts retired
// guest instructions (plus IA32_TSC_ADJUST), so every run reads the same values.

import { CpuException, Vector } from '../exceptions';
import { Cr4, Reg } from '../registers';
import { requireRing0 } from './privilege';
import type { SystemCpu } from './system-cpu';

export const enum Msr {
	Tsc = 0x10,
	TscAdjust = 0x3b,
	SysenterCs = 0x174,
	SysenterEsp = 0x175,
	SysenterEip = 0x176,
}

const STORED_MSRS: ReadonlySet<number> = new Set([Msr.SysenterCs, Msr.SysenterEsp, Msr.SysenterEip]);
const U64 = (1n << 64n) - 1n;

/** Where MSRs live and the virtual time the TSC counts: the CPU, or a monitor's virtual CPU beside it. */
export type MsrFile = Pick<SystemCpu, 'msr' | 'instructionCount'>;

function tsc(cpu: MsrFile): bigint {
	return (BigInt(cpu.instructionCount) + (cpu.msr.get(Msr.TscAdjust) ?? 0n)) & U64;
}

/** Reads an MSR; undefined for one this CPU does not have. */
export function readMsr(cpu: MsrFile, index: number): bigint | undefined {
	if (index === Msr.Tsc) return tsc(cpu);
	if (index === Msr.TscAdjust) return cpu.msr.get(Msr.TscAdjust) ?? 0n;
	if (STORED_MSRS.has(index)) return cpu.msr.get(index) ?? 0n;
	return undefined;
}

/** Writes an MSR; false for one this CPU does not have. */
export function writeMsr(cpu: MsrFile, index: number, value: bigint): boolean {
	value &= U64;
	if (index === Msr.Tsc) {
		// Writing the TSC moves TSC_ADJUST by the same amount, as on processors that have both.
		const adjust = (cpu.msr.get(Msr.TscAdjust) ?? 0n) + value - tsc(cpu);
		cpu.msr.set(Msr.TscAdjust, adjust & U64);
		return true;
	}
	if (index === Msr.TscAdjust || STORED_MSRS.has(index)) {
		cpu.msr.set(index, value);
		return true;
	}
	return false;
}

function setEdxEax(cpu: SystemCpu, value: bigint): void {
	cpu.regs[Reg.EAX] = Number(value & 0xffffffffn) | 0;
	cpu.regs[Reg.EDX] = Number((value >> 32n) & 0xffffffffn) | 0;
}

export function rdmsr(cpu: SystemCpu): void {
	requireRing0(cpu);
	const value = readMsr(cpu, cpu.reg(Reg.ECX));
	if (value === undefined) throw new CpuException(Vector.GP, 0);
	setEdxEax(cpu, value);
}

export function wrmsr(cpu: SystemCpu): void {
	requireRing0(cpu);
	const value = (BigInt(cpu.reg(Reg.EDX)) << 32n) | BigInt(cpu.reg(Reg.EAX));
	if (!writeMsr(cpu, cpu.reg(Reg.ECX), value)) throw new CpuException(Vector.GP, 0);
}

export function rdtsc(cpu: SystemCpu): void {
	if (cpu.cr4 & Cr4.TSD) requireRing0(cpu);
	setEdxEax(cpu, tsc(cpu));
}
