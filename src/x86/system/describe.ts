// A descriptor as the debugger's descriptor-table view shows it.

import { decodeDescriptor, SegmentTypeBit, SystemType, type RawDescriptor } from './descriptors';
import { decodeGate, isGateType } from './gates';

export interface DescriptorDescription {
	kind: 'code' | 'data' | 'system' | 'gate' | 'reserved';
	/** e.g. "code, execute/read, conforming", "32-bit interrupt gate", "32-bit TSS (busy)". */
	typeName: string;
	type: number;
	dpl: number;
	present: boolean;
	/** Segments and TSS/LDT descriptors. */
	base?: number;
	limit?: number;
	big?: boolean;
	pageGranular?: boolean;
	accessed?: boolean;
	/** Gates. */
	selector?: number;
	offset?: number;
	paramCount?: number;
	raw: RawDescriptor;
}

const SYSTEM_TYPE_NAMES: Readonly<Record<number, string>> = {
	[SystemType.Tss16Available]: '16-bit TSS (available)',
	[SystemType.Ldt]: 'LDT',
	[SystemType.Tss16Busy]: '16-bit TSS (busy)',
	[SystemType.CallGate16]: '16-bit call gate',
	[SystemType.TaskGate]: 'task gate',
	[SystemType.InterruptGate16]: '16-bit interrupt gate',
	[SystemType.TrapGate16]: '16-bit trap gate',
	[SystemType.Tss32Available]: '32-bit TSS (available)',
	[SystemType.Tss32Busy]: '32-bit TSS (busy)',
	[SystemType.CallGate32]: '32-bit call gate',
	[SystemType.InterruptGate32]: '32-bit interrupt gate',
	[SystemType.TrapGate32]: '32-bit trap gate',
};

function segmentTypeName(type: number): string {
	if (type & SegmentTypeBit.Code) {
		const parts = ['code', type & SegmentTypeBit.Readable ? 'execute/read' : 'execute-only'];
		if (type & SegmentTypeBit.Conforming) parts.push('conforming');
		return parts.join(', ');
	}
	const parts = ['data', type & SegmentTypeBit.Writable ? 'read/write' : 'read-only'];
	if (type & SegmentTypeBit.ExpandDown) parts.push('expand-down');
	return parts.join(', ');
}

export function describeDescriptor(raw: RawDescriptor): DescriptorDescription {
	const d = decodeDescriptor(raw);
	const common = { type: d.type, dpl: d.dpl, present: d.present, raw: d.raw };
	if (!d.system) {
		return {
			...common, kind: d.type & SegmentTypeBit.Code ? 'code' : 'data', typeName: segmentTypeName(d.type),
			base: d.base, limit: d.limit, big: d.big, pageGranular: d.pageGranular, accessed: (d.type & SegmentTypeBit.Accessed) !== 0,
		};
	}
	const typeName = SYSTEM_TYPE_NAMES[d.type];
	if (typeName === undefined) return { ...common, kind: 'reserved', typeName: `reserved system type ${d.type}` };
	if (isGateType(d.type)) {
		const gate = decodeGate(raw);
		return {
			...common, kind: 'gate', typeName, selector: gate.selector,
			offset: d.type === SystemType.TaskGate ? undefined : gate.offset,
			paramCount: d.type === SystemType.CallGate16 || d.type === SystemType.CallGate32 ? gate.paramCount : undefined,
		};
	}
	return { ...common, kind: 'system', typeName, base: d.base, limit: d.limit, pageGranular: d.pageGranular };
}
