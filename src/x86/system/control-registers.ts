// Control and debug registers: MOV to/from CR0-CR4 and DR0-DR7, LMSW, SMSW,
// CLTS, INVLPG. Changes that alter address translation flush the TLB (and the
// decoded blocks keyed by paging mode) through cpu.flushTlb().

import { linear } from '../addresses';
import { CpuException, Vector } from '../exceptions';
import { Cr0, Cr4, Dr6 } from '../registers';
import { requireRing0 } from './privilege';
import type { SystemCpu } from './system-cpu';

const CR0_WRITABLE = Cr0.PE | Cr0.MP | Cr0.EM | Cr0.TS | Cr0.NE | Cr0.WP | Cr0.AM | Cr0.NW | Cr0.CD | Cr0.PG;
const CR0_TRANSLATION = Cr0.PE | Cr0.PG | Cr0.WP;
/** CR3 keeps the page-directory base and the PWT/PCD bits. */
const CR3_MASK = 0xfffff018;
const CR4_SUPPORTED = Cr4.VME | Cr4.PVI | Cr4.TSD | Cr4.DE | Cr4.PSE | Cr4.PGE | Cr4.PCE;

function writeCr0(cpu: SystemCpu, value: number): void {
	if ((value & Cr0.PG) && !(value & Cr0.PE)) throw new CpuException(Vector.GP, 0);
	if ((value & Cr0.NW) && !(value & Cr0.CD)) throw new CpuException(Vector.GP, 0);
	// Reserved bits are ignored on write and ET is hard-wired to 1 since the 486.
	const next = ((value & CR0_WRITABLE) | Cr0.ET) >>> 0;
	const changed = (cpu.cr0 ^ next) & CR0_TRANSLATION;
	cpu.cr0 = next;
	if (changed) cpu.flushTlb();
}

export function movToCr(cpu: SystemCpu, n: number, value: number): void {
	requireRing0(cpu);
	value >>>= 0;
	switch (n) {
		case 0:
			writeCr0(cpu, value);
			return;
		case 2:
			cpu.cr2 = value;
			return;
		case 3:
			cpu.cr3 = (value & CR3_MASK) >>> 0;
			cpu.flushTlb();
			return;
		case 4: {
			if (value & ~CR4_SUPPORTED) throw new CpuException(Vector.GP, 0);
			const changed = cpu.cr4 !== value;
			cpu.cr4 = value;
			if (changed) cpu.flushTlb();
			return;
		}
		default:
			throw new CpuException(Vector.UD);
	}
}

export function movFromCr(cpu: SystemCpu, n: number): number {
	requireRing0(cpu);
	switch (n) {
		case 0: return cpu.cr0 >>> 0;
		case 2: return cpu.cr2 >>> 0;
		case 3: return cpu.cr3 >>> 0;
		case 4: return cpu.cr4 >>> 0;
		default: throw new CpuException(Vector.UD);
	}
}

export function lmsw(cpu: SystemCpu, value: number): void {
	requireRing0(cpu);
	// LMSW loads MP, EM and TS and can set PE but never clear it.
	cpu.cr0 = ((cpu.cr0 & ~(Cr0.MP | Cr0.EM | Cr0.TS)) | (value & (Cr0.PE | Cr0.MP | Cr0.EM | Cr0.TS))) >>> 0;
}

/** CR0 as SMSW stores it into a 32-bit register; a 16-bit destination keeps the low word. Not privileged. */
export function smsw(cpu: SystemCpu): number {
	return cpu.cr0 >>> 0;
}

export function clts(cpu: SystemCpu): void {
	requireRing0(cpu);
	cpu.cr0 = (cpu.cr0 & ~Cr0.TS) >>> 0;
}

export function invlpgAt(cpu: SystemCpu, address: number): void {
	requireRing0(cpu);
	cpu.invlpg(linear(address));
}

const DR6_FIXED_ONES = 0xffff0ff0;
const DR7_GD = 1 << 13;
const DR7_FIXED_ONE = 1 << 10;
const DR7_FIXED_ZEROS = (1 << 11) | (1 << 12) | (1 << 14) | (1 << 15);

/** DR4/DR5 alias DR6/DR7 unless CR4.DE makes them undefined; DR7.GD turns any access into #DB. */
function debugRegisterIndex(cpu: SystemCpu, n: number): number {
	if (n < 0 || n > 7) throw new CpuException(Vector.UD);
	if (n === 4 || n === 5) {
		if (cpu.cr4 & Cr4.DE) throw new CpuException(Vector.UD);
		n += 2;
	}
	if (cpu.dr[7] & DR7_GD) {
		cpu.dr[6] |= Dr6.BD;
		cpu.dr[7] &= ~DR7_GD;
		throw new CpuException(Vector.DB);
	}
	return n;
}

export function movToDr(cpu: SystemCpu, n: number, value: number): void {
	requireRing0(cpu);
	const index = debugRegisterIndex(cpu, n);
	if (index === 6) value = (value | DR6_FIXED_ONES) & ~(1 << 12);
	else if (index === 7) value = (value | DR7_FIXED_ONE) & ~DR7_FIXED_ZEROS;
	cpu.dr[index] = value;
}

export function movFromDr(cpu: SystemCpu, n: number): number {
	requireRing0(cpu);
	return cpu.dr[debugRegisterIndex(cpu, n)] >>> 0;
}
