// What the translator's callouts do for the sensitive-but-unprivileged
// instructions at virtual ring 0: give the guest the answers the bare machine
// would, from the virtual CPU, instead of the hardware's ring-1 answers.

import { linear } from '../x86/addresses';
import { CpuException, Vector } from '../x86/exceptions';
import { Flag, Seg } from '../x86/registers';
import { lar, lsl, verr, verw } from '../x86/system/access-rights';
import type { SystemCpu } from '../x86/system/system-cpu';
import { effectiveAddress, readOperand, writeOperand, type GuestInstruction, type Operand } from './guest-instruction';
import { guestEflags, guestSelector, setGuestEflags } from './guest-state';
import { peekStack, pushStack, releaseStack } from './guest-stack';
import type { VirtualCpu } from './virtual-cpu';

function storeTable(cpu: SystemCpu, op: Operand, base: number, limit: number): void {
	const at = effectiveAddress(cpu, op as Extract<Operand, { kind: 'mem' }>);
	cpu.writeLinear16(at, limit, false);
	cpu.writeLinear32(linear(at + 2), base, false);
}

/** Emulates one sensitive instruction for the guest; returns the words for the event, or undefined when it is not one of these. */
export function emulateSensitive(cpu: SystemCpu, vcpu: VirtualCpu, ins: GuestInstruction): string | undefined {
	const [a, b] = ins.operands;
	switch (ins.code) {
		case 'Pushfd': case 'Pushfw':
			pushStack(cpu, guestEflags(cpu, vcpu) & ~(Flag.VM | Flag.RF), ins.operandSize);
			return 'emulated PUSHF with the virtual IF and IOPL';
		case 'Popfd': case 'Popfw': {
			const popped = peekStack(cpu, 0, ins.operandSize);
			let value = ins.operandSize === 4 ? popped : (guestEflags(cpu, vcpu) & 0xffff0000) | popped;
			// The guest's own POPF rules at its CPL: IOPL only at 0, IF only when CPL <= IOPL; VM and RF never.
			const current = guestEflags(cpu, vcpu);
			let keep = Flag.VM | Flag.RF;
			if (vcpu.cpl > 0) keep |= Flag.IOPL;
			if (vcpu.cpl > vcpu.iopl) keep |= Flag.IF;
			value = (value & ~keep) | (current & keep);
			releaseStack(cpu, ins.operandSize);
			setGuestEflags(cpu, vcpu, value);
			return `emulated POPF: virtual IF := ${(value & Flag.IF) ? 1 : 0}, IOPL := ${(value & Flag.IOPL) >>> 12}`;
		}
		case 'Sgdt_m1632': case 'Sgdt_m1632_16':
			storeTable(cpu, a, vcpu.gdtr.base, vcpu.gdtr.limit);
			return 'emulated SGDT with the guest GDTR';
		case 'Sidt_m1632': case 'Sidt_m1632_16':
			storeTable(cpu, a, vcpu.idtr.base, vcpu.idtr.limit);
			return 'emulated SIDT with the guest IDTR';
		case 'Sldt_rm16': case 'Sldt_r32m16':
			writeOperand(cpu, a, vcpu.ldtr.selector);
			return 'emulated SLDT with the guest LDTR';
		case 'Str_rm16': case 'Str_r32m16':
			writeOperand(cpu, a, vcpu.tr.selector);
			return 'emulated STR with the guest TR';
		case 'Smsw_rm16': case 'Smsw_r32m16':
			writeOperand(cpu, a, a.kind === 'reg' ? vcpu.cr0 : vcpu.cr0 & 0xffff);
			return 'emulated SMSW with the virtual CR0';
		case 'Pushd_CS': case 'Pushw_CS': case 'Pushd_SS': case 'Pushw_SS':
			pushStack(cpu, guestSelector(cpu, vcpu, ins.code.endsWith('CS') ? Seg.CS : Seg.SS), ins.operandSize);
			return `emulated PUSH ${ins.code.endsWith('CS') ? 'CS' : 'SS'} with RPL ${vcpu.cpl}`;
		case 'Mov_rm16_Sreg': case 'Mov_r32m16_Sreg': {
			if (b?.kind !== 'sreg') throw new CpuException(Vector.UD);
			writeOperand(cpu, a, guestSelector(cpu, vcpu, b.seg));
			return `emulated MOV from a segment register with the guest selector`;
		}
		case 'Lar_r16_rm16': case 'Lar_r32_r32m16': case 'Lsl_r16_rm16': case 'Lsl_r32_r32m16':
		case 'Verr_rm16': case 'Verr_r32m16': case 'Verw_rm16': case 'Verw_r32m16':
			return emulateAccessRights(cpu, vcpu, ins);
		default:
			return undefined;
	}
}

/**
 * LAR, LSL, VERR, VERW answered by the hardware's own rules, asked of the
 * guest's tables at the guest's CPL: the descriptor tables and CPL are the
 * guest's for the duration of the question, so DPLs and limits are the ones it wrote.
 */
function emulateAccessRights(cpu: SystemCpu, vcpu: VirtualCpu, ins: GuestInstruction): string {
	const [a, b] = ins.operands;
	const selector = readOperand(cpu, ins.code.startsWith('Ver') ? a : b, 2) & 0xffff;
	const saved = { gdtr: cpu.gdtr, ldtr: cpu.ldtr, cpl: cpu.cpl };
	let answer: number | boolean | undefined;
	try {
		cpu.gdtr = vcpu.gdtr;
		cpu.ldtr = vcpu.ldtr;
		cpu.cpl = vcpu.cpl;
		const code = ins.code;
		answer = code.startsWith('Lar') ? lar(cpu, selector) : code.startsWith('Lsl') ? lsl(cpu, selector) : code.startsWith('Verr') ? verr(cpu, selector) : verw(cpu, selector);
	} finally {
		cpu.gdtr = saved.gdtr;
		cpu.ldtr = saved.ldtr;
		cpu.cpl = saved.cpl;
	}
	const found = answer !== undefined && answer !== false;
	if (typeof answer === 'number') writeOperand(cpu, a, a.kind === 'reg' && a.size === 2 ? answer & 0xffff : answer);
	cpu.setEflags(found ? cpu.getEflags() | Flag.ZF : cpu.getEflags() & ~Flag.ZF);
	return `emulated ${ins.text.split(' ')[0].toUpperCase()} against the guest descriptor tables: ${found ? 'ZF := 1' : 'ZF := 0'}`;
}
