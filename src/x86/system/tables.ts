// The descriptor-table registers: GDTR and IDTR (6-byte pseudo-descriptors in
// memory: 16-bit limit, 32-bit base), LDTR and TR (selectors into the GDT).

import { linear } from '../addresses';
import { CpuException, Vector } from '../exceptions';
import type { TableRegister } from '../registers';
import { fetchDescriptor, segmentCacheFrom, setDescriptorBits, SystemType, TSS_BUSY_BIT } from './descriptors';
import { nullDataSegment } from './segments';
import { isNullSelector, selectorErrorCode, selectorUsesLdt } from './selectors';
import { requireRing0 } from './privilege';
import type { SystemCpu } from './system-cpu';

function readPseudoDescriptor(cpu: SystemCpu, address: number): TableRegister {
	const limit = cpu.readLinear16(linear(address));
	const base = cpu.readLinear32(linear(address + 2)) >>> 0;
	return { base, limit };
}

function writePseudoDescriptor(cpu: SystemCpu, address: number, table: TableRegister): void {
	cpu.writeLinear16(linear(address), table.limit);
	cpu.writeLinear32(linear(address + 2), table.base);
}

export function lgdt(cpu: SystemCpu, address: number): void {
	requireRing0(cpu);
	cpu.gdtr = readPseudoDescriptor(cpu, address);
}

export function lidt(cpu: SystemCpu, address: number): void {
	requireRing0(cpu);
	cpu.idtr = readPseudoDescriptor(cpu, address);
}

export function sgdt(cpu: SystemCpu, address: number): void {
	writePseudoDescriptor(cpu, address, cpu.gdtr);
}

export function sidt(cpu: SystemCpu, address: number): void {
	writePseudoDescriptor(cpu, address, cpu.idtr);
}

const gp = (selector: number): CpuException => new CpuException(Vector.GP, selectorErrorCode(selector));

export function lldt(cpu: SystemCpu, selector: number): void {
	requireRing0(cpu);
	selector &= 0xffff;
	if (isNullSelector(selector)) {
		cpu.ldtr = { ...nullDataSegment(selector), system: true, type: SystemType.Ldt };
		return;
	}
	if (selectorUsesLdt(selector)) throw gp(selector);
	const d = fetchDescriptor(cpu, selector);
	if (d === undefined || !d.system || d.type !== SystemType.Ldt) throw gp(selector);
	if (!d.present) throw new CpuException(Vector.NP, selectorErrorCode(selector));
	cpu.ldtr = segmentCacheFrom(selector, d);
}

export function sldt(cpu: SystemCpu): number {
	return cpu.ldtr.selector;
}

/** Loads TR from an available TSS descriptor and marks it busy in the GDT. */
export function ltr(cpu: SystemCpu, selector: number): void {
	requireRing0(cpu);
	selector &= 0xffff;
	if (isNullSelector(selector)) throw new CpuException(Vector.GP, 0);
	if (selectorUsesLdt(selector)) throw gp(selector);
	const d = fetchDescriptor(cpu, selector);
	if (d === undefined || !d.system || (d.type !== SystemType.Tss32Available && d.type !== SystemType.Tss16Available)) throw gp(selector);
	if (!d.present) throw new CpuException(Vector.NP, selectorErrorCode(selector));
	setDescriptorBits(cpu, selector, d, TSS_BUSY_BIT);
	cpu.tr = { ...segmentCacheFrom(selector, d), type: d.type | 2 };
}

export function str(cpu: SystemCpu): number {
	return cpu.tr.selector;
}
