// Gate descriptors (call, interrupt, trap, task): a selector and an entry
// offset instead of a base and a limit.

import { SystemType, type RawDescriptor } from './descriptors';

export interface Gate {
	type: number;
	selector: number;
	offset: number;
	dpl: number;
	present: boolean;
	/** Call gates: how many stack words to copy on a privilege change. */
	paramCount: number;
}

export function isGateType(type: number): boolean {
	return type === SystemType.CallGate16 || type === SystemType.TaskGate || type === SystemType.InterruptGate16
		|| type === SystemType.TrapGate16 || type === SystemType.CallGate32 || type === SystemType.InterruptGate32
		|| type === SystemType.TrapGate32;
}

export function decodeGate(raw: RawDescriptor): Gate {
	const { low, high } = raw;
	return {
		type: (high >>> 8) & 0xf,
		selector: low >>> 16,
		offset: ((low & 0xffff) | (high & 0xffff0000)) >>> 0,
		dpl: (high >>> 13) & 3,
		present: (high & (1 << 15)) !== 0,
		paramCount: high & 0x1f,
	};
}

export interface GateFields {
	type: number;
	selector: number;
	offset: number;
	dpl?: number;
	present?: boolean;
	paramCount?: number;
}

export function encodeGate(fields: GateFields): RawDescriptor {
	const { type, selector, offset, dpl = 0, present = true, paramCount = 0 } = fields;
	const low = ((selector & 0xffff) << 16) | (offset & 0xffff);
	const high = (offset & 0xffff0000) | (present ? 1 << 15 : 0) | ((dpl & 3) << 13) | ((type & 0xf) << 8) | (paramCount & 0x1f);
	return { low: low >>> 0, high: high >>> 0 };
}
