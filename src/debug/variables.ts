// The Variables view as a tree: what the guest sees (Registers), what the
// hardware holds (Monitor), and the guest's descriptor tables. Each node knows
// how to show itself and, for registers, how to take a new value.

import { REG_NAMES, SEG_NAMES, Flag, IOPL_SHIFT, Cr0, type SegmentCache, type TableRegister } from '../x86/registers';
import { describeDescriptor } from './descriptors';
import type { ShadowPagingStatistics } from '../vmm/shadow-paging/shadow-paging';
import type { GuestMachine } from './guest-machine';

export interface VariableNode {
	name: string;
	value: string;
	/** Children are built when the client expands the node. */
	children?: () => VariableNode[];
	/** Applies a new numeric value; absent for read-only nodes. */
	set?: (value: number) => void;
	memoryReference?: string;
}

export const hex32 = (n: number): string => `0x${(n >>> 0).toString(16).padStart(8, '0')}`;
const hex16 = (n: number): string => `0x${(n & 0xffff).toString(16).padStart(4, '0')}`;

const EFLAGS_BITS: Array<[string, number]> = [
	['CF', Flag.CF], ['PF', Flag.PF], ['AF', Flag.AF], ['ZF', Flag.ZF], ['SF', Flag.SF], ['TF', Flag.TF], ['IF', Flag.IF],
	['DF', Flag.DF], ['OF', Flag.OF], ['NT', Flag.NT], ['RF', Flag.RF], ['VM', Flag.VM], ['AC', Flag.AC], ['VIF', Flag.VIF],
	['VIP', Flag.VIP], ['ID', Flag.ID],
];
/** Flags a debugger may change behind the guest's back; IF and IOPL are the monitor's virtual state. */
const WRITABLE_FLAGS = Flag.CF | Flag.PF | Flag.AF | Flag.ZF | Flag.SF | Flag.DF | Flag.OF;

const CR0_BITS: Array<[string, number]> = [
	['PE', Cr0.PE], ['MP', Cr0.MP], ['EM', Cr0.EM], ['TS', Cr0.TS], ['ET', Cr0.ET], ['NE', Cr0.NE], ['WP', Cr0.WP],
	['AM', Cr0.AM], ['NW', Cr0.NW], ['CD', Cr0.CD], ['PG', Cr0.PG],
];

function flagNames(eflags: number): string {
	const set = EFLAGS_BITS.filter(([, bit]) => (eflags & bit) !== 0).map(([name]) => name);
	return `${hex32(eflags)} [${set.join(' ')}${set.length ? ' ' : ''}IOPL=${(eflags >>> IOPL_SHIFT) & 3}]`;
}

function segmentChildren(s: SegmentCache): VariableNode[] {
	return [
		{ name: 'selector', value: hex16(s.selector) },
		{ name: 'base', value: hex32(s.base) },
		{ name: 'limit', value: hex32(s.limit) },
		{ name: 'type', value: `${s.type} (${s.system ? 'system' : s.type & 8 ? 'code' : 'data'})` },
		{ name: 'DPL', value: String(s.dpl) },
		{ name: 'present', value: String(s.present) },
		{ name: 'big', value: String(s.big) },
	];
}

const table = (t: TableRegister): string => `base ${hex32(t.base)} limit ${hex16(t.limit)}`;

export function registerNodes(machine: GuestMachine): VariableNode[] {
	const g = machine.guest();
	const nodes: VariableNode[] = REG_NAMES.map((name, index) => ({
		name, value: hex32(g.regs[index]), memoryReference: hex32(g.regs[index]),
		set: (value: number) => machine.setGeneralRegister(index, value),
	}));
	nodes.push({ name: 'eip', value: hex32(g.eip), memoryReference: hex32(g.eip), set: (value) => machine.setEip(value) });
	nodes.push({
		name: 'eflags', value: flagNames(g.eflags),
		set: (value) => machine.setArithmeticFlags(value),
		children: () => [
			...EFLAGS_BITS.map(([name, bit]): VariableNode => ({
				name, value: (g.eflags & bit) !== 0 ? '1' : '0',
				set: (bit & WRITABLE_FLAGS) !== 0 ? (value) => machine.setArithmeticFlags(value ? (g.eflags | bit) : (g.eflags & ~bit)) : undefined,
			})),
			{ name: 'IOPL', value: String((g.eflags >>> IOPL_SHIFT) & 3) },
		],
	});
	SEG_NAMES.forEach((name, index) => {
		const s = g.seg[index];
		nodes.push({ name, value: `${hex16(s.selector)} (base ${hex32(s.base)}, DPL ${s.dpl})`, children: () => segmentChildren(s) });
	});
	nodes.push({
		name: 'cr0', value: hex32(g.cr0),
		children: () => CR0_BITS.map(([name, bit]) => ({ name, value: (g.cr0 & bit) !== 0 ? '1' : '0' })),
	});
	nodes.push({ name: 'cr2', value: hex32(g.cr2) }, { name: 'cr3', value: hex32(g.cr3) }, { name: 'cr4', value: hex32(g.cr4) });
	nodes.push({ name: 'gdtr', value: table(g.gdtr) }, { name: 'idtr', value: table(g.idtr) });
	nodes.push({ name: 'ldtr', value: hex16(g.ldtr.selector), children: () => segmentChildren(g.ldtr) });
	nodes.push({ name: 'tr', value: hex16(g.tr.selector), children: () => segmentChildren(g.tr) });
	nodes.push({ name: 'virtual CPL', value: String(g.cpl) });
	return nodes;
}

export function monitorNodes(machine: GuestMachine): VariableNode[] {
	const h = machine.hardware();
	return [
		{ name: 'real CPL', value: String(h.cpl) },
		{
			name: 'real EFLAGS', value: flagNames(h.eflags),
			children: () => [{ name: 'IF', value: (h.eflags & Flag.IF) !== 0 ? '1' : '0' }, { name: 'IOPL', value: String((h.eflags >>> IOPL_SHIFT) & 3) }],
		},
		{ name: 'real selectors', value: SEG_NAMES.map((n, i) => `${n}=${hex16(h.selectors[i])}`).join(' '), children: () => SEG_NAMES.map((name, i) => ({ name, value: hex16(h.selectors[i]) })) },
		{ name: 'execution mode', value: h.executionMode },
		{ name: 'virtualization', value: machine.virtualization },
		{ name: 'instructions retired', value: String(machine.instructionCount) },
		{
			name: 'translation cache', value: `${h.cache.blocks} blocks, ${h.cache.rewritten} rewritten`,
			children: () => [
				{ name: 'blocks', value: String(h.cache.blocks) },
				{ name: 'rewritten instructions', value: String(h.cache.rewritten) },
				{ name: 'flushes', value: String(h.cache.flushes) },
				{ name: 'executions', value: String(h.cache.executions) },
			],
		},
		...(h.shadowPaging ? [shadowPagingNode(h.shadowPaging)] : []),
	];
}

function shadowPagingNode(s: ShadowPagingStatistics): VariableNode {
	const hidden = s.fills + s.traceWrites + s.protectionWrites;
	return {
		name: 'shadow paging', value: `${hidden} hidden faults, ${s.trueFaults} true faults`,
		children: () => [
			{ name: 'shadow fills (hidden)', value: String(s.fills) },
			{ name: 'traced stores (hidden)', value: String(s.traceWrites) },
			{ name: 'of which exited guest code', value: String(s.traceExits) },
			{ name: 'write-protect stores (hidden)', value: String(s.protectionWrites) },
			{ name: 'true faults (reflected)', value: String(s.trueFaults) },
			{ name: 'address-space switches', value: String(s.addressSpaceSwitches) },
			{ name: 'address spaces built', value: String(s.addressSpaceBuilds) },
			{ name: 'resets', value: String(s.resets) },
			{ name: 'shadow GDT/LDT rebuilds', value: String(s.descriptorTableRebuilds) },
		],
	};
}

const GDT_ENTRIES_SHOWN = 64;
const IDT_GATES_SHOWN = 48;

function tableEntries(machine: GuestMachine, t: TableRegister, max: number, label: (i: number) => string): VariableNode[] {
	const count = Math.min(max, Math.floor((t.limit + 1) / 8));
	const bytes = machine.readLinear(t.base, count * 8);
	const nodes: VariableNode[] = [];
	for (let i = 0; i + 8 <= bytes.length; i += 8) {
		const view = new DataView(bytes.buffer, bytes.byteOffset + i, 8);
		nodes.push({ name: label(i / 8), value: describeDescriptor(view.getUint32(0, true), view.getUint32(4, true)) });
	}
	if (bytes.length < count * 8) nodes.push({ name: 'unreadable', value: `the table at ${hex32(t.base + bytes.length)} is not mapped` });
	return nodes;
}

export function descriptorTableNodes(machine: GuestMachine): VariableNode[] {
	const g = machine.guest();
	return [
		{ name: 'GDT', value: table(g.gdtr), children: () => tableEntries(machine, g.gdtr, GDT_ENTRIES_SHOWN, (i) => `[${i}] ${hex16(i * 8)}`) },
		{ name: 'IDT', value: table(g.idtr), children: () => tableEntries(machine, g.idtr, IDT_GATES_SHOWN, (i) => `[${i}] vector 0x${i.toString(16)}`) },
	];
}

/** Register names the debug console understands, for expressions and conditions. */
export function registerValue(machine: GuestMachine, name: string): number | undefined {
	const g = machine.guest();
	const index = (REG_NAMES as readonly string[]).indexOf(name);
	if (index >= 0) return g.regs[index] >>> 0;
	const seg = (SEG_NAMES as readonly string[]).indexOf(name);
	if (seg >= 0) return g.seg[seg].selector;
	switch (name) {
		case 'eip': return g.eip >>> 0;
		case 'eflags': return g.eflags >>> 0;
		case 'cr0': return g.cr0 >>> 0;
		case 'cr2': return g.cr2 >>> 0;
		case 'cr3': return g.cr3 >>> 0;
		case 'cr4': return g.cr4 >>> 0;
		case 'cpl': return g.cpl;
		default: return undefined;
	}
}
