// The disassemble request's answer: guest instructions around an address, with
// symbols and source lines. x86 cannot be decoded backwards, so instructions
// before the address are decoded forward from a known boundary (the preceding
// symbol) or from far enough back for decoding to fall into step.

import { basename } from 'node:path';
import type { DebugProtocol } from '@vscode/debugprotocol';
import { disassemble, hexBytes } from './disassembler';
import type { GuestMachine } from './guest-machine';
import { hex32 } from './variables';

const MAX_INSTRUCTION_BYTES = 15;

interface Decoded {
	address: number;
	length: number;
	entry: DebugProtocol.DisassembledInstruction;
}

function decodeAt(machine: GuestMachine, address: number): Decoded {
	const bytes = machine.readLinear(address, MAX_INSTRUCTION_BYTES);
	const [ins] = bytes.length > 0 ? disassemble(bytes, address, 1) : [];
	const entry: DebugProtocol.DisassembledInstruction = ins
		? { address: hex32(address), instructionBytes: hexBytes(ins.bytes), instruction: ins.text }
		: { address: hex32(address), instruction: '?? (not mapped)', presentationHint: 'invalid' };
	const where = machine.program.sourceMap?.lineFor(address, 0);
	if (where) {
		entry.location = { name: basename(where.file), path: where.file };
		entry.line = where.line;
	}
	return { address, length: ins ? ins.bytes.length : 1, entry };
}

function decodeForward(machine: GuestMachine, address: number, count: number): Decoded[] {
	const out: Decoded[] = [];
	let at = address >>> 0;
	while (out.length < count) {
		const d = decodeAt(machine, at);
		out.push(d);
		at = (at + d.length) >>> 0;
	}
	return out;
}

function decodeBefore(machine: GuestMachine, origin: number, count: number): Decoded[] {
	const symbol = machine.program.symbols?.nearest(origin - 1);
	const reach = count * MAX_INSTRUCTION_BYTES;
	const start = symbol && origin - symbol.address <= reach ? symbol.address : Math.max(0, origin - reach);
	const out: Decoded[] = [];
	for (let at = start; at < origin;) {
		const d = decodeAt(machine, at);
		out.push(d);
		at += d.length;
	}
	return out.slice(-count);
}

const filler = (address: number): DebugProtocol.DisassembledInstruction => ({ address: hex32(address), instruction: '', presentationHint: 'invalid' });

export function disassembleAround(machine: GuestMachine, origin: number, instructionOffset: number, count: number): DebugProtocol.DisassembledInstruction[] {
	if (instructionOffset >= 0) return label(machine, decodeForward(machine, origin, instructionOffset + count).slice(instructionOffset));
	const wanted = -instructionOffset;
	const before = decodeBefore(machine, origin, wanted);
	const after = decodeForward(machine, origin, Math.max(0, count - wanted));
	// Fewer instructions than asked for before `origin` (the bottom of memory): pad, so `origin` keeps its index.
	const missing = wanted - before.length;
	const padding = Array.from({ length: missing }, (_, i) => filler(origin - missing + i));
	return [...padding, ...label(machine, [...before, ...after])].slice(0, count);
}

/** Names the symbol at each instruction where it starts or changes. */
function label(machine: GuestMachine, decoded: Decoded[]): DebugProtocol.DisassembledInstruction[] {
	let last: string | undefined;
	return decoded.map(({ address, entry }) => {
		const symbol = machine.program.symbols?.nearest(address);
		if (symbol && symbol.name !== last) {
			entry.symbol = address === symbol.address ? symbol.name : `${symbol.name}+0x${(address - symbol.address).toString(16)}`;
		}
		last = symbol?.name;
		return entry;
	});
}
