// LAR, LSL, VERR, VERW: questions about a descriptor that never fault on a
// bad selector; the caller sets ZF from the answer (undefined or false: ZF = 0).
// A fault reading the table itself (#PF) still propagates.

import { fetchDescriptor, isConformingCode, isReadable, isWritableData, SystemType, type Descriptor } from './descriptors';
import { isNullSelector, selectorRpl } from './selectors';
import type { SystemCpu } from './system-cpu';

const LAR_SYSTEM_TYPES: ReadonlySet<number> = new Set([
	SystemType.Tss16Available, SystemType.Ldt, SystemType.Tss16Busy, SystemType.CallGate16, SystemType.TaskGate,
	SystemType.Tss32Available, SystemType.Tss32Busy, SystemType.CallGate32,
]);
const LSL_SYSTEM_TYPES: ReadonlySet<number> = new Set([
	SystemType.Tss16Available, SystemType.Ldt, SystemType.Tss16Busy, SystemType.Tss32Available, SystemType.Tss32Busy,
]);

/** The descriptor, when the current CPL and the selector's RPL may see it. */
function visibleDescriptor(cpu: SystemCpu, selector: number, systemTypes: ReadonlySet<number>): Descriptor | undefined {
	selector &= 0xffff;
	if (isNullSelector(selector)) return undefined;
	const d = fetchDescriptor(cpu, selector);
	if (d === undefined) return undefined;
	if (d.system && !systemTypes.has(d.type)) return undefined;
	if (!isConformingCode(d) && (d.dpl < cpu.cpl || d.dpl < selectorRpl(selector))) return undefined;
	return d;
}

/** The access-rights bytes of the descriptor (high word & 0x00F0FF00). */
export function lar(cpu: SystemCpu, selector: number): number | undefined {
	const d = visibleDescriptor(cpu, selector, LAR_SYSTEM_TYPES);
	return d === undefined ? undefined : (d.raw.high & 0x00f0ff00) >>> 0;
}

/** The byte limit, granularity applied. */
export function lsl(cpu: SystemCpu, selector: number): number | undefined {
	return visibleDescriptor(cpu, selector, LSL_SYSTEM_TYPES)?.limit;
}

const NO_SYSTEM_TYPES: ReadonlySet<number> = new Set();

export function verr(cpu: SystemCpu, selector: number): boolean {
	const d = visibleDescriptor(cpu, selector, NO_SYSTEM_TYPES);
	return d !== undefined && isReadable(d);
}

export function verw(cpu: SystemCpu, selector: number): boolean {
	const d = visibleDescriptor(cpu, selector, NO_SYSTEM_TYPES);
	return d !== undefined && isWritableData(d);
}
