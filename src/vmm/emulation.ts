// One entry point for "do this guest instruction the way the bare machine
// would, against the virtual CPU": the trap handlers (an instruction faulted at
// real ring 1 or 3) and the translator's callouts (an instruction replaced in
// translated ring-0 code) both come here, so the two modes cannot disagree.

import { linear } from '../x86/addresses';
import { Flag, Seg } from '../x86/registers';
import { describeIret, emulateFarTransfer, emulateIret, emulateRetf, type IretDone } from './far-transfers';
import { effectiveAddress, type GuestInstruction, type Operand } from './guest-instruction';
import { guestSelector } from './guest-state';
import { emulateSegmentLoad, isSegmentLoad, privilegedEmulator, type Emulated, type EmulationContext, type Emulator } from './privileged-emulation';

export type { Emulator };
import { reflect } from './reflection';
import { emulateSensitive } from './sensitive-emulation';

/**
 * Performs `ins`, which starts at `cpu.eip`. Returns undefined when the
 * instruction is not one the monitor emulates at the current virtual CPL;
 * throws the CpuException the guest would get. On success EIP is left for the
 * caller to advance unless `transferred`.
 */
export function emulateInstruction(ctx: EmulationContext, ins: GuestInstruction): Emulated | undefined {
	return emulatorFor(ins)(ctx, ins);
}

/**
 * The emulator for `ins`, chosen by its code alone: translated code resolves it
 * once, when it is translated, rather than at every execution.
 */
export function emulatorFor(ins: GuestInstruction): Emulator {
	const privileged = privilegedEmulator(ins.code);
	if (privileged) return privileged;
	if (isSegmentLoad(ins.code)) return emulateSegmentLoad;
	switch (ins.code) {
		case 'Iretd': case 'Iretw': return emulateIretInstruction;
		case 'Retfd': case 'Retfd_imm16': return emulateRetfInstruction;
		case 'Jmp_ptr1632': case 'Call_ptr1632': case 'Jmp_m1632': case 'Call_m1632': return emulateFarTransferInstruction;
		case 'Int_imm8': case 'Int3': case 'Into': return emulateSoftwareInterrupt;
		default: return emulateSensitiveInstruction;
	}
}

// The rest are emulated at virtual ring 0 only (elsewhere the hardware runs them as the guest expects).

const emulateIretInstruction: Emulator = (ctx, ins) => {
	if (ctx.vcpu.cpl !== 0) return undefined;
	ctx.resyncTables();
	return new EmulatedIret(emulateIret(ctx.cpu, ctx.vcpu, ins.operandSize, ctx.descriptors));
};

const emulateRetfInstruction: Emulator = (ctx, ins) => {
	if (ctx.vcpu.cpl !== 0) return undefined;
	const [a] = ins.operands;
	ctx.resyncTables();
	return { action: emulateRetf(ctx.cpu, ctx.vcpu, a?.kind === 'imm' ? a.value : 0), transferred: true };
};

const emulateFarTransferInstruction: Emulator = (ctx, ins) => {
	if (ctx.vcpu.cpl !== 0) return undefined;
	const target = farTarget(ctx, ins.operands[0]);
	if (!target) return undefined;
	const returnEip = ins.code.startsWith('Call') ? (ctx.cpu.eip + ins.length) >>> 0 : undefined;
	return { action: emulateFarTransfer(ctx.cpu, ctx.vcpu, target.selector, target.offset, returnEip), transferred: true };
};

const emulateSoftwareInterrupt: Emulator = (ctx, ins) => {
	const { cpu, vcpu } = ctx;
	if (vcpu.cpl !== 0) return undefined;
	const [a] = ins.operands;
	const vector = ins.code === 'Int_imm8' && a?.kind === 'imm' ? a.value & 0xff : ins.code === 'Int3' ? 3 : 4;
	if (ins.code === 'Into' && (cpu.getEflags() & Flag.OF) === 0) return { action: 'emulated INTO: OF clear, no interrupt' };
	ctx.resyncTables();
	reflect(cpu, vcpu, { vector, source: 'software', returnEip: (cpu.eip + ins.length) >>> 0 }, ctx.descriptors);
	return { action: `emulated INT ${vector}: entered the guest handler at ${guestSelector(cpu, vcpu, Seg.CS).toString(16)}:${cpu.eip.toString(16)}`, detail: { vector }, transferred: true };
};

const emulateSensitiveInstruction: Emulator = (ctx, ins) => {
	if (ctx.vcpu.cpl !== 0) return undefined;
	const action = emulateSensitive(ctx.cpu, ctx.vcpu, ins);
	return action === undefined ? undefined : { action };
};

/** An emulated IRET: its words are for events, formatted only if someone reads them. */
class EmulatedIret implements Emulated {
	readonly transferred = true;
	constructor(private readonly done: IretDone) {}

	get action(): string {
		return describeIret(this.done);
	}
}

function farTarget(ctx: EmulationContext, op: Operand | undefined): { selector: number; offset: number } | undefined {
	if (op?.kind === 'far') return op;
	if (op?.kind !== 'mem') return undefined;
	const at = effectiveAddress(ctx.cpu, op);
	return { offset: ctx.cpu.readLinear32(at, false) >>> 0, selector: ctx.cpu.readLinear16(linear(at + 4), false) };
}
