// One entry point for "do this guest instruction the way the bare machine
// would, against the virtual CPU": the trap handlers (an instruction faulted at
// real ring 1 or 3) and the translator's callouts (an instruction replaced in
// translated ring-0 code) both come here, so the two modes cannot disagree.

import { linear } from '../x86/addresses';
import { lookupCode } from '../x86/instruction-table';
import { Flag } from '../x86/registers';
import { describeIret, emulateFarTransfer, emulateIret, emulateRetf, type IretDone } from './far-transfers';
import { effectiveAddress, type GuestInstruction, type Operand } from './guest-instruction';
import { emulatePrivileged, emulateSegmentLoad, type Emulated, type EmulationContext } from './privileged-emulation';
import { reflect } from './reflection';
import { emulateSensitive } from './sensitive-emulation';

/**
 * Performs `ins`, which starts at `cpu.eip`. Returns undefined when the
 * instruction is not one the monitor emulates at the current virtual CPL;
 * throws the CpuException the guest would get. On success EIP is left for the
 * caller to advance unless `transferred`.
 */
export function emulateInstruction(ctx: EmulationContext, ins: GuestInstruction): Emulated | undefined {
	const { cpu, vcpu } = ctx;
	if (lookupCode(ins.code)?.treatment.trapAndEmulate === 'trap') return emulatePrivileged(ctx, ins);
	const segment = emulateSegmentLoad(ctx, ins);
	if (segment) return segment;
	if (vcpu.cpl !== 0) return undefined;
	const [a] = ins.operands;
	const next = (cpu.eip + ins.length) >>> 0;
	switch (ins.code) {
		case 'Iretd': case 'Iretw': {
			ctx.resyncTables();
			return new EmulatedIret(emulateIret(cpu, vcpu, ins.operandSize, ctx.descriptors));
		}
		case 'Retfd': case 'Retfd_imm16':
			ctx.resyncTables();
			return { action: emulateRetf(cpu, vcpu, a?.kind === 'imm' ? a.value : 0), transferred: true };
		case 'Jmp_ptr1632': case 'Call_ptr1632': case 'Jmp_m1632': case 'Call_m1632': {
			const target = farTarget(ctx, a);
			if (!target) return undefined;
			const returnEip = ins.code.startsWith('Call') ? next : undefined;
			return { action: emulateFarTransfer(cpu, vcpu, target.selector, target.offset, returnEip), transferred: true };
		}
		case 'Int_imm8': case 'Int3': case 'Into': {
			const vector = ins.code === 'Int_imm8' && a?.kind === 'imm' ? a.value & 0xff : ins.code === 'Int3' ? 3 : 4;
			if (ins.code === 'Into' && (cpu.getEflags() & Flag.OF) === 0) return { action: 'emulated INTO: OF clear, no interrupt' };
			ctx.resyncTables();
			const r = reflect(cpu, vcpu, { vector, source: 'software', returnEip: next }, ctx.descriptors);
			return { action: `emulated INT ${vector}: entered the guest handler at ${r.handlerCs.toString(16)}:${r.handlerEip.toString(16)}`, detail: { vector }, transferred: true };
		}
		default: {
			const action = emulateSensitive(cpu, vcpu, ins);
			return action === undefined ? undefined : { action };
		}
	}
}

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
