// The guest's descriptor tables as a user reads them: one line per GDT entry or
// IDT gate. Decoding is src/x86's; this only names what the fields mean.

import { decodeDescriptor, SegmentTypeBit } from '../x86/system/descriptors';

const SYSTEM_TYPES: Record<number, string> = {
	0x1: '16-bit TSS (available)', 0x2: 'LDT', 0x3: '16-bit TSS (busy)', 0x4: '16-bit call gate', 0x5: 'task gate',
	0x6: '16-bit interrupt gate', 0x7: '16-bit trap gate', 0x9: '32-bit TSS (available)', 0xb: '32-bit TSS (busy)',
	0xc: '32-bit call gate', 0xe: '32-bit interrupt gate', 0xf: '32-bit trap gate',
};
const GATE_TYPES = new Set([0x4, 0x5, 0x6, 0x7, 0xc, 0xe, 0xf]);

const hex = (n: number, digits = 8): string => `0x${(n >>> 0).toString(16).padStart(digits, '0')}`;

/** One line describing the descriptor (or gate) held in the words `low`, `high`. */
export function describeDescriptor(low: number, high: number): string {
	if (low === 0 && high === 0) return 'null';
	const d = decodeDescriptor({ low, high });
	const privilege = `DPL ${d.dpl}${d.present ? '' : ', not present'}`;
	if (d.system && GATE_TYPES.has(d.type)) {
		const selector = (low >>> 16) & 0xffff;
		const offset = ((high & 0xffff0000) | (low & 0xffff)) >>> 0;
		return `${SYSTEM_TYPES[d.type]} → ${hex(selector, 4)}:${hex(offset)}, ${privilege}`;
	}
	let what: string;
	if (d.system) what = SYSTEM_TYPES[d.type] ?? `reserved system type ${d.type}`;
	else if (d.type & SegmentTypeBit.Code) what = `code ${d.big ? 32 : 16}-bit${d.type & SegmentTypeBit.Readable ? ', readable' : ''}${d.type & SegmentTypeBit.Conforming ? ', conforming' : ''}`;
	else what = `data${d.type & SegmentTypeBit.Writable ? ', writable' : ', read-only'}${d.type & SegmentTypeBit.ExpandDown ? ', expand-down' : ''}`;
	return `${what}, base ${hex(d.base)}, limit ${hex(d.limit)}, ${privilege}`;
}
