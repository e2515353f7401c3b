// Call frames of the guest, recovered the way a kernel debugger does without
// unwind tables: the current EIP, then the saved EBP chain for as long as it
// looks like one (aligned, ascending, returning into code we know).

import { Reg } from '../x86/registers';
import type { GuestMachine } from './guest-machine';
import { hex32 } from './variables';

export interface Frame {
	address: number;
	/** The frame pointer this frame was found through (undefined for the top frame). */
	ebp?: number;
}

function readDword(machine: GuestMachine, address: number): number | undefined {
	const bytes = machine.readLinear(address, 4);
	return bytes.length === 4 ? new DataView(bytes.buffer, bytes.byteOffset, 4).getUint32(0, true) : undefined;
}

function knownCode(machine: GuestMachine, address: number): boolean {
	const { sourceMap, symbols } = machine.program;
	return sourceMap?.lineFor(address) !== undefined || symbols?.nearest(address) !== undefined;
}

export function walkStack(machine: GuestMachine, maxFrames: number): Frame[] {
	const guest = machine.guest();
	const frames: Frame[] = [{ address: guest.eip >>> 0 }];
	let ebp = guest.regs[Reg.EBP] >>> 0;
	const esp = guest.regs[Reg.ESP] >>> 0;
	// A frame pointer below ESP is not one of this stack's frames.
	if (ebp < esp) return frames;
	while (frames.length < maxFrames && ebp !== 0 && ebp % 4 === 0) {
		const saved = readDword(machine, ebp);
		const returnAddress = readDword(machine, ebp + 4);
		if (saved === undefined || returnAddress === undefined || !knownCode(machine, returnAddress)) break;
		frames.push({ address: returnAddress, ebp });
		if (saved <= ebp) break;
		ebp = saved;
	}
	return frames;
}

/** `symbol+0xOFF`, or the bare address when no symbol precedes it. */
export function frameLabel(machine: GuestMachine, address: number): string {
	const symbol = machine.program.symbols?.nearest(address);
	if (!symbol) return hex32(address);
	const offset = (address - symbol.address) >>> 0;
	return offset === 0 ? symbol.name : `${symbol.name}+0x${offset.toString(16)}`;
}
