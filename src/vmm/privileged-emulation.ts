// Emulation of the instructions that trap at real ring 1 (privileged and
// IOPL-sensitive), against the virtual CPU. Each handler either completes the
// instruction (the caller advances EIP) or throws the CpuException the guest
// itself would have got, which the monitor reflects.

import { linear, type LinearAddress } from '../x86/addresses';
import type { IoBus, IoSize } from '../x86/bus';
import { CpuException, Vector } from '../x86/exceptions';
import { lookupCode } from '../x86/instruction-table';
import { Cr0, Cr4, Flag, Reg, Seg } from '../x86/registers';
import { Msr, readMsr, writeMsr, type MsrFile } from '../x86/system/msr';
import type { SystemCpu } from '../x86/system/system-cpu';
import type { GuestDescriptors } from './guest-descriptors';
import { readGuestDescriptor, loadGuestSegment } from './guest-state';
import { effectiveAddress, readOperand, writeOperand, type GuestInstruction, type Operand } from './guest-instruction';
import { movedEsp, peekStack } from './guest-stack';
import { realMode } from './unsupported-guest';
import type { VirtualCpu } from './virtual-cpu';
import { hex } from './format';

export interface EmulationContext {
	cpu: SystemCpu;
	vcpu: VirtualCpu;
	io: IoBus;
	/** Called after LGDT and guest segment loads, so the shadow GDT follows the guest's. */
	resyncTables(): void;
	/** Called after LTR and CR changes that move the guest's ring-0 stack or address space. */
	syncHardwareControl(): void;
	/** INVLPG: drops the page's translation, shadow entry included. Without it the hardware's TLB entry alone goes. */
	invalidatePage?(linear: LinearAddress): void;
	/** The guest's descriptors, remembered while the shadow GDT is current (read after `resyncTables`). Without it they are read afresh. */
	descriptors?: GuestDescriptors;
}

export interface Emulated {
	/** Words for the event list: "emulated LGDT: GDTR := 0x00101000/0x17". */
	action: string;
	detail?: Record<string, number | string | boolean>;
	/** HLT: the monitor idles the virtual CPU instead of continuing. */
	halt?: boolean;
	/** The instruction set EIP itself (IRET, RETF, far transfers): do not advance. */
	transferred?: boolean;
	/** An I/O access the monitor performed. */
	io?: { port: number; size: IoSize; direction: 'in' | 'out'; value: number };
}

/**
 * An emulation whose words are formatted only when an event shows them: the
 * instructions a guest traps on in a loop (port I/O, CR3 writes, INVLPG) would
 * otherwise spend as long formatting text nobody reads as emulating.
 */
class Described implements Emulated {
	constructor(private readonly words: () => string, readonly detail?: Emulated['detail'], readonly io?: Emulated['io']) {}

	get action(): string {
		return this.words();
	}
}


export class NotEmulated extends Error {}

/** True when the guest at its virtual CPL may execute an IOPL-sensitive instruction without consulting the I/O bitmap. */
const ioplAllows = (vcpu: VirtualCpu): boolean => vcpu.cpl <= vcpu.iopl;

function requireRing0(vcpu: VirtualCpu): void {
	if (vcpu.cpl !== 0) throw new CpuException(Vector.GP, 0);
}

/** The guest's TSS I/O permission bitmap, consulted when CPL > IOPL. */
function guestIoAllowed(ctx: EmulationContext, port: number, size: number): boolean {
	if (ioplAllows(ctx.vcpu)) return true;
	const tr = ctx.vcpu.tr;
	if (!tr.usable || tr.limit < 103) return false;
	const mapBase = ctx.cpu.readLinear16(linear(tr.base + 102), false);
	const byte = mapBase + (port >>> 3);
	if (byte + 1 > tr.limit) return false;
	const bits = ctx.cpu.readLinear16(linear(tr.base + byte), false);
	const mask = ((1 << size) - 1) << (port & 7);
	return (bits & mask) === 0;
}

function portOperand(cpu: SystemCpu, op: Operand): number {
	return op.kind === 'imm' ? op.value & 0xff : cpu.regs[Reg.EDX] & 0xffff;
}

const sizeOfReg = (op: Operand): IoSize => (op.kind === 'reg' ? op.size : 1);

/** Performs one guest instruction against the virtual CPU (see emulateInstruction in emulation.ts for the contract). */
export type Emulator = (ctx: EmulationContext, ins: GuestInstruction) => Emulated | undefined;

/** One privileged or IOPL-sensitive instruction, its operands taken apart. */
type Handler = (ctx: EmulationContext, ins: GuestInstruction, a: Operand, b: Operand) => Emulated;

const loadTableRegister: Handler = (ctx, ins, a) => {
	const { cpu, vcpu } = ctx;
	const at = effectiveAddress(cpu, a as Extract<Operand, { kind: 'mem' }>);
	const limit = cpu.readLinear16(at, false);
	const base = (cpu.readLinear32(linear(at + 2), false) & (ins.code.endsWith('_16') ? 0xffffff : 0xffffffff)) >>> 0;
	const gdt = ins.code.startsWith('Lgdt');
	if (gdt) vcpu.gdtr = { base, limit };
	else vcpu.idtr = { base, limit };
	if (gdt) ctx.resyncTables();
	return { action: `emulated ${gdt ? 'LGDT: GDTR' : 'LIDT: IDTR'} := ${hex(base)}/${hex(limit, 4)}`, detail: { base, limit } };
};

const loadLdtr: Handler = (ctx, _ins, a) => {
	const { cpu, vcpu } = ctx;
	const selector = readOperand(cpu, a, 2) & 0xffff;
	if ((selector & 0xfffc) === 0) {
		vcpu.ldtr = { ...vcpu.ldtr, selector, usable: false };
	} else {
		if (selector & 4) throw new CpuException(Vector.GP, selector & 0xfffc);
		const d = readGuestDescriptor(cpu, vcpu, selector);
		if (!d.system || d.type !== 2) throw new CpuException(Vector.GP, selector & 0xfffc);
		if (!d.present) throw new CpuException(Vector.NP, selector & 0xfffc);
		vcpu.ldtr = { selector, base: d.base, limit: d.limit, type: 2, system: true, dpl: d.dpl, present: true, big: false, usable: true };
	}
	// The hardware's LDTR is the monitor's shadow of the guest's table: built now, before anything loads from it.
	ctx.resyncTables();
	ctx.syncHardwareControl();
	return { action: `emulated LLDT: LDTR := ${hex(selector, 4)}`, detail: { selector } };
};

const loadTr: Handler = (ctx, _ins, a) => {
	const { cpu, vcpu } = ctx;
	const selector = readOperand(cpu, a, 2) & 0xffff;
	if ((selector & 0xfffc) === 0 || selector & 4) throw new CpuException(Vector.GP, selector & 0xfffc);
	const d = readGuestDescriptor(cpu, vcpu, selector);
	if (!d.system || (d.type !== 9 && d.type !== 1)) throw new CpuException(Vector.GP, selector & 0xfffc);
	if (!d.present) throw new CpuException(Vector.NP, selector & 0xfffc);
	// Mark the guest's descriptor busy, as the hardware would in the guest's own GDT.
	const highAt = linear(vcpu.gdtr.base + (selector & 0xfff8) + 4);
	cpu.writeLinear32(highAt, cpu.readLinear32(highAt, false) | (2 << 8), false);
	vcpu.tr = { selector, base: d.base, limit: d.limit, type: d.type | 2, system: true, dpl: d.dpl, present: true, big: false, usable: true };
	ctx.resyncTables();
	ctx.syncHardwareControl();
	return { action: `emulated LTR: TR := ${hex(selector, 4)} (TSS at ${hex(d.base)})`, detail: { selector, base: d.base } };
};

const lmsw: Handler = (ctx, _ins, a) => {
	const { vcpu } = ctx;
	const value = readOperand(ctx.cpu, a, 2);
	// LMSW sets PE but never clears it, and touches only PE/MP/EM/TS.
	vcpu.cr0 = (vcpu.cr0 & ~0xe) | (value & 0xf) | (vcpu.cr0 & Cr0.PE);
	ctx.syncHardwareControl();
	return { action: `emulated LMSW: CR0 := ${hex(vcpu.cr0)}`, detail: { cr0: vcpu.cr0 } };
};

const clts: Handler = (ctx) => {
	ctx.vcpu.cr0 &= ~Cr0.TS;
	ctx.syncHardwareControl();
	return { action: 'emulated CLTS: CR0.TS := 0' };
};

const movToCr: Handler = (ctx, _ins, a, b) => {
	const { vcpu } = ctx;
	if (a.kind !== 'cr' || ![0, 2, 3, 4].includes(a.index)) throw new CpuException(Vector.UD);
	const value = readOperand(ctx.cpu, b, 4);
	if (a.index === 0) {
		if ((value & Cr0.PG) && !(value & Cr0.PE)) throw new CpuException(Vector.GP, 0);
		if (!(value & Cr0.PE)) throw realMode();
		vcpu.cr0 = value | Cr0.ET;
	} else if (a.index === 2) vcpu.cr2 = value;
	else if (a.index === 3) vcpu.cr3 = value;
	else vcpu.cr4 = value;
	ctx.syncHardwareControl();
	return new Described(() => `emulated MOV CR${a.index}: CR${a.index} := ${hex(value)}`, { cr: a.index, value });
};

const movFromCr: Handler = (ctx, _ins, a, b) => {
	const { vcpu } = ctx;
	if (b.kind !== 'cr' || ![0, 2, 3, 4].includes(b.index)) throw new CpuException(Vector.UD);
	const value = [vcpu.cr0, 0, vcpu.cr2, vcpu.cr3, vcpu.cr4][b.index] >>> 0;
	writeOperand(ctx.cpu, a, value);
	return new Described(() => `emulated MOV from CR${b.index}: ${hex(value)}`, { cr: b.index, value });
};

const movToDr: Handler = (ctx, _ins, a, b) => {
	if (a.kind !== 'dr') throw new CpuException(Vector.UD);
	const value = readOperand(ctx.cpu, b, 4);
	ctx.vcpu.dr[a.index] = value;
	return { action: `emulated MOV DR${a.index}: DR${a.index} := ${hex(value)}`, detail: { dr: a.index, value } };
};

const movFromDr: Handler = (ctx, _ins, a, b) => {
	if (b.kind !== 'dr') throw new CpuException(Vector.UD);
	const value = ctx.vcpu.dr[b.index] >>> 0;
	writeOperand(ctx.cpu, a, value);
	return { action: `emulated MOV from DR${b.index}: ${hex(value)}`, detail: { dr: b.index, value } };
};

const flushCaches: Handler = (_ctx, ins) => ({ action: `emulated ${ins.code.toUpperCase()}: no caches to flush` });

const invlpg: Handler = (ctx, _ins, a) => {
	const at = effectiveAddress(ctx.cpu, a as Extract<Operand, { kind: 'mem' }>);
	if (ctx.invalidatePage) ctx.invalidatePage(at);
	else ctx.cpu.invlpg(at);
	return new Described(() => `emulated INVLPG ${hex(at)}`, { address: at });
};

const hlt: Handler = () => ({ action: 'emulated HLT: virtual CPU idles until an interrupt', halt: true });

/** The virtual CPU's MSRs, with the hardware's virtual time (the TSC counts retired guest instructions). */
const virtualMsrs = (ctx: EmulationContext): MsrFile => ({ msr: ctx.vcpu.msr, instructionCount: ctx.cpu.instructionCount });

const msr: Handler = (ctx, ins) => {
	const { cpu, vcpu } = ctx;
	const index = cpu.regs[Reg.ECX] >>> 0;
	if (ins.code === 'Rdmsr') {
		const value = readMsr(virtualMsrs(ctx), index);
		if (value === undefined) throw new CpuException(Vector.GP, 0);
		cpu.regs[Reg.EAX] = Number(value & 0xffffffffn);
		cpu.regs[Reg.EDX] = Number((value >> 32n) & 0xffffffffn);
		return { action: `emulated RDMSR ${hex(index)}: ${hex(Number(value & 0xffffffffn))}`, detail: { msr: index } };
	}
	const value = (BigInt(cpu.regs[Reg.EDX] >>> 0) << 32n) | BigInt(cpu.regs[Reg.EAX] >>> 0);
	if (!writeMsr(virtualMsrs(ctx), index, value)) throw new CpuException(Vector.GP, 0);
	// RDTSC runs on the hardware (at ring 3, and in translated ring-0 code): its clock follows the guest's.
	cpu.msr.set(Msr.TscAdjust, vcpu.msr.get(Msr.TscAdjust) ?? 0n);
	return { action: `emulated WRMSR ${hex(index)} := ${hex(cpu.regs[Reg.EAX] >>> 0)}`, detail: { msr: index } };
};

/** RDTSC trapped because the guest set CR4.TSD (which binds real ring 1 too): the guest's ring 0 may read the counter, its ring 3 not. */
const rdtsc: Handler = (ctx) => {
	const { cpu, vcpu } = ctx;
	if (vcpu.cr4 & Cr4.TSD && vcpu.cpl !== 0) throw new CpuException(Vector.GP, 0);
	const value = readMsr(virtualMsrs(ctx), Msr.Tsc)!;
	cpu.regs[Reg.EAX] = Number(value & 0xffffffffn);
	cpu.regs[Reg.EDX] = Number((value >> 32n) & 0xffffffffn);
	return { action: 'emulated RDTSC under CR4.TSD' };
};

const rdpmc: Handler = (ctx) => {
	const { cpu } = ctx;
	const counter = cpu.regs[Reg.ECX] >>> 0;
	if (counter > 1) throw new CpuException(Vector.GP, 0);
	// No performance counters are modelled: both read as zero.
	cpu.regs[Reg.EAX] = 0;
	cpu.regs[Reg.EDX] = 0;
	return { action: `emulated RDPMC ${counter}: 0` };
};

/** What CLI and STI did: always the same, so made once (kernels run them around every critical section). */
const STI_DONE: Emulated = Object.freeze({ action: 'emulated STI: virtual IF := 1', detail: Object.freeze({ interruptFlag: true }) });
const CLI_DONE: Emulated = Object.freeze({ action: 'emulated CLI: virtual IF := 0', detail: Object.freeze({ interruptFlag: false }) });

const interruptFlag: Handler = (ctx, ins) => {
	const { cpu, vcpu } = ctx;
	if (!ioplAllows(vcpu)) throw new CpuException(Vector.GP, 0);
	const on = ins.code === 'Sti';
	if (vcpu.cpl === 0) vcpu.interruptFlag = on;
	else cpu.setEflags(on ? cpu.getEflags() | Flag.IF : cpu.getEflags() & ~Flag.IF);
	return on ? STI_DONE : CLI_DONE;
};

/** By instruction code; the IOPL-sensitive I/O instructions not named here go to emulateIo. */
const HANDLERS: Readonly<Record<string, Handler>> = {
	Lgdt_m1632: loadTableRegister, Lgdt_m1632_16: loadTableRegister, Lidt_m1632: loadTableRegister, Lidt_m1632_16: loadTableRegister,
	Lldt_rm16: loadLdtr, Lldt_r32m16: loadLdtr, Ltr_rm16: loadTr, Ltr_r32m16: loadTr, Lmsw_rm16: lmsw, Lmsw_r32m16: lmsw, Clts: clts,
	Mov_cr_r32: movToCr, Mov_r32_cr: movFromCr, Mov_dr_r32: movToDr, Mov_r32_dr: movFromDr,
	Invd: flushCaches, Wbinvd: flushCaches, Invlpg_m: invlpg, Hlt: hlt, Rdmsr: msr, Wrmsr: msr, Rdtsc: rdtsc, Rdpmc: rdpmc, Cli: interruptFlag, Sti: interruptFlag,
};

const emulators = new Map<string, Emulator | undefined>();

/**
 * The emulator of an instruction that traps at real ring 1 (the table's
 * `trap` treatment: privileged and IOPL-sensitive), undefined for any other.
 * Made once per instruction code.
 */
export function privilegedEmulator(code: string): Emulator | undefined {
	if (emulators.has(code)) return emulators.get(code);
	const entry = lookupCode(code);
	let emulator: Emulator | undefined;
	if (entry?.treatment.trapAndEmulate === 'trap') {
		const handler = HANDLERS[code] ?? emulateIo;
		const ring0Only = entry.class === 'privileged';
		emulator = (ctx, ins) => {
			if (ring0Only) requireRing0(ctx.vcpu);
			return handler(ctx, ins, ins.operands[0], ins.operands[1]);
		};
	}
	emulators.set(code, emulator);
	return emulator;
}

export function emulatePrivileged(ctx: EmulationContext, ins: GuestInstruction): Emulated {
	const emulate = privilegedEmulator(ins.code);
	if (!emulate) throw new NotEmulated(ins.code);
	return emulate(ctx, ins)!;
}

function emulateIo(ctx: EmulationContext, ins: GuestInstruction, a: Operand, b: Operand): Emulated {
	const { cpu } = ctx;
	if (ins.code.startsWith('In_')) {
		const port = portOperand(cpu, b);
		const size = sizeOfReg(a);
		if (!guestIoAllowed(ctx, port, size)) throw new CpuException(Vector.GP, 0);
		const value = ctx.io.read(port, size);
		writeRegister(cpu, a, value);
		return new Described(() => `emulated IN from port ${hex(port, 4)}: ${hex(value, size * 2)}`, { port, value, size }, { port, size, direction: 'in', value });
	}
	if (ins.code.startsWith('Out_')) {
		const port = portOperand(cpu, a);
		const size = sizeOfReg(b);
		if (!guestIoAllowed(ctx, port, size)) throw new CpuException(Vector.GP, 0);
		const value = readOperand(cpu, b, size);
		ctx.io.write(port, size, value);
		return new Described(() => `emulated OUT to port ${hex(port, 4)}: ${hex(value, size * 2)}`, { port, value, size }, { port, size, direction: 'out', value });
	}
	const size: IoSize = ins.code.startsWith('Insb') || ins.code.startsWith('Outsb') ? 1 : ins.code.startsWith('Insw') || ins.code.startsWith('Outsw') ? 2 : 4;
	const port = cpu.regs[Reg.EDX] & 0xffff;
	if (!guestIoAllowed(ctx, port, size)) throw new CpuException(Vector.GP, 0);
	const step = cpu.getEflags() & Flag.DF ? -size : size;
	const input = ins.code.startsWith('Ins');
	const source = ins.operands.find((op) => op.kind === 'mem');
	const sourceSeg = source?.kind === 'mem' ? source.seg : Seg.DS;
	let count = ins.rep ? cpu.regs[Reg.ECX] >>> 0 : 1;
	let last = 0;
	// Each element is completed with its register updates, so a fault part way leaves a restartable state.
	while (count > 0) {
		if (input) {
			const at = linear(cpu.seg[Seg.ES].base + (cpu.regs[Reg.EDI] >>> 0));
			last = ctx.io.read(port, size);
			writeSized(cpu, at, size, last);
			cpu.regs[Reg.EDI] += step;
		} else {
			const at = linear(cpu.seg[sourceSeg].base + (cpu.regs[Reg.ESI] >>> 0));
			last = size === 1 ? cpu.readLinear8(at, false) : size === 2 ? cpu.readLinear16(at, false) : cpu.readLinear32(at, false) >>> 0;
			ctx.io.write(port, size, last);
			cpu.regs[Reg.ESI] += step;
		}
		count--;
		if (ins.rep) cpu.regs[Reg.ECX] = count;
	}
	return {
		action: `emulated ${input ? 'INS' : 'OUTS'} ${input ? 'from' : 'to'} port ${hex(port, 4)}`,
		detail: { port, size },
		io: { port, size, direction: input ? 'in' : 'out', value: last },
	};
}

function writeRegister(cpu: SystemCpu, op: Operand, value: number): void {
	if (op.kind !== 'reg') throw new CpuException(Vector.UD);
	writeOperand(cpu, op, value);
}

function writeSized(cpu: SystemCpu, at: ReturnType<typeof linear>, size: IoSize, value: number): void {
	if (size === 1) cpu.writeLinear8(at, value, false);
	else if (size === 2) cpu.writeLinear16(at, value, false);
	else cpu.writeLinear32(at, value, false);
}

const FAR_POINTER_LOADS: Record<string, Seg> = {
	Lss_r32_m1632: Seg.SS, Lds_r32_m1632: Seg.DS, Les_r32_m1632: Seg.ES, Lfs_r32_m1632: Seg.FS, Lgs_r32_m1632: Seg.GS,
};

/** Whether an instruction of `code` loads a data segment register (MOV Sreg, POP Sreg, LDS and the like). */
export function isSegmentLoad(code: string): boolean {
	return code === 'Mov_Sreg_rm16' || code === 'Mov_Sreg_r32m16' || code.startsWith('Popd_') || FAR_POINTER_LOADS[code] !== undefined;
}

/** Segment loads by the guest's rules at its virtual CPL (at real ring 1, SS with RPL 0 faults only because of compression). */
export function emulateSegmentLoad(ctx: EmulationContext, ins: GuestInstruction): Emulated | undefined {
	const { cpu, vcpu } = ctx;
	const [a, b] = ins.operands;
	let seg: Seg, selector: number, pop = false, farOffset: { reg: Operand; value: number } | undefined;
	if (ins.code === 'Mov_Sreg_rm16' || ins.code === 'Mov_Sreg_r32m16') {
		if (a.kind !== 'sreg') return undefined;
		seg = a.seg;
		selector = readOperand(cpu, b, 2) & 0xffff;
	} else if (ins.code.startsWith('Popd_')) {
		seg = ({ Popd_SS: Seg.SS, Popd_DS: Seg.DS, Popd_ES: Seg.ES, Popd_FS: Seg.FS, Popd_GS: Seg.GS } as Record<string, Seg>)[ins.code];
		selector = peekStack(cpu, 0, 4) & 0xffff;
		pop = true;
	} else if (FAR_POINTER_LOADS[ins.code] !== undefined) {
		seg = FAR_POINTER_LOADS[ins.code];
		const at = effectiveAddress(cpu, b as Extract<Operand, { kind: 'mem' }>);
		farOffset = { reg: a, value: cpu.readLinear32(at, false) >>> 0 };
		selector = cpu.readLinear16(linear(at + 4), false);
	} else return undefined;
	if (seg === Seg.CS) throw new CpuException(Vector.UD);
	// A POP moves ESP as the stack it popped from says (POP SS: the old one).
	const poppedEsp = movedEsp(cpu.seg[Seg.SS], cpu.regs[Reg.ESP] >>> 0, 4);
	loadGuestSegment(cpu, vcpu, seg, selector);
	if (pop) cpu.regs[Reg.ESP] = poppedEsp;
	if (farOffset) writeRegister(cpu, farOffset.reg, farOffset.value);
	ctx.resyncTables();
	return { action: `emulated segment load: ${['es', 'cs', 'ss', 'ds', 'fs', 'gs'][seg]} := ${hex(selector, 4)} (guest ring ${vcpu.cpl})`, detail: { selector } };
}
