// Privileged and sensitive instructions of guest ring 0 performed against the
// virtual CPU: trapped (#GP under the compressed modes), called out to from
// translated code, or, under trap-and-emulate, reported as the holes they are
// when they run natively at real ring 1.

import type { Cpu } from '../x86/cpu';
import type { DecodedInstruction } from '../x86/decoded-instruction';
import { CpuException, Vector } from '../x86/exceptions';
import { lookupCode, type InstructionEntry } from '../x86/instruction-table';
import { Flag, Reg, Seg } from '../x86/registers';
import type { CompressedHardware } from './compressed-hardware';
import { emulateInstruction, type Emulator } from './emulation';
import { currentLinear, STOP, type EventReporter, type Site } from './event-reporter';
import { enterIretTarget } from './far-transfers';
import type { MonitorEvent } from './events';
import { hex } from './format';
import { returnKey } from './guest-descriptors';
import type { GuestInstruction } from './guest-instruction';
import type { MonitoredPc } from './hardware';
import type { Emulated, EmulationContext } from './privileged-emulation';
import type { VirtualCpu } from './virtual-cpu';

/** Whether the guest takes external interrupts now: its virtual IF in guest ring 0, the real one elsewhere. */
export function guestInterruptsEnabled(cpu: Cpu, vcpu: VirtualCpu, native: boolean): boolean {
	if (native || vcpu.cpl !== 0) return (cpu.systemFlags() & Flag.IF) !== 0;
	return vcpu.interruptFlag;
}

/** How a trapped instruction went: done (the run goes on), a listener's stop before acting, the guest's fault, or not emulated. */
export type TrapResult = 'emulated' | typeof STOP | CpuException | 'not-emulated';

export class GuestEmulation {
	private readonly context: EmulationContext;
	/** A fault raised by a callout's emulation: the guest's, to reflect as is. */
	private calloutFault?: CpuException;

	constructor(
		private readonly cpu: Cpu,
		private readonly vcpu: VirtualCpu,
		io: MonitoredPc['io'],
		private readonly hardware: CompressedHardware,
		private readonly reporter: EventReporter,
		/** The guest executed HLT: the monitor idles until an interrupt. */
		private readonly halted: () => void,
	) {
		this.context = {
			cpu, vcpu, io,
			resyncTables: () => hardware.resyncTables(),
			descriptors: hardware.descriptors,
			invalidatePage: (at) => hardware.paging.invalidatePage(at),
			syncHardwareControl: () => hardware.syncHardwareControl(),
		};
	}

	/** Whether `e` is the fault a callout raised (then the guest's own, reflected as is); forgets it either way. */
	takeCalloutFault(e: CpuException): boolean {
		const fromCallout = e === this.calloutFault;
		this.calloutFault = undefined;
		return fromCallout;
	}

	/**
	 * A trapped instruction: one event per trap, emitted before acting (a
	 * listener may stop there, and the run resumes here with `resumed`), its
	 * action completed with the result.
	 */
	trap(ins: GuestInstruction, entry: InstructionEntry, resumed: boolean): TrapResult {
		const cpu = this.cpu;
		const site = { eip: cpu.eip, linear: currentLinear(cpu) };
		const fromCpl = this.vcpu.cpl;
		// STI sets IF with a one-instruction shadow only if interrupts were off before it; nothing else asks.
		const stiShadow = ins.code === 'Sti' && !guestInterruptsEnabled(cpu, this.vcpu, false);
		let event: MonitorEvent | undefined;
		if (this.reporter.listening) {
			event = this.reporter.event('trap', site, ins.text, `trapped ${ins.text} at guest ring ${fromCpl}`, entry.class);
			if (!resumed) this.reporter.stream.emit(event);
			if (this.reporter.stopRequested) return STOP;
		}
		let result: Emulated | undefined;
		const guestView = this.hardware.beginGuestView();
		try {
			result = emulateInstruction(this.context, ins);
		} catch (error) {
			if (error instanceof CpuException) return error;
			throw error;
		} finally {
			this.hardware.endGuestView(guestView);
		}
		if (!result) return 'not-emulated';
		this.completeEmulation(ins, site, result, fromCpl, stiShadow, event);
		cpu.instructionCount++;
		return 'emulated';
	}

	/** A replaced instruction in translated ring-0 code: performed against the virtual CPU, never trapping. */
	callout(ins: GuestInstruction, entry: InstructionEntry, site: Site, emulate: Emulator): void {
		const cpu = this.cpu;
		const kind = entry.class === 'sensitive' ? 'sensitive' : 'emulation';
		const event = this.reporter.listening ? this.reporter.announce(kind, site, ins.text, `translated ${ins.text}: calling out to the monitor`, entry) : undefined;
		if (event === STOP) {
			cpu.requestExit('event', { beforeInstruction: true });
			return;
		}
		const fromCpl = this.vcpu.cpl;
		// STI sets IF with a one-instruction shadow only if interrupts were off before it; nothing else asks.
		const stiShadow = ins.code === 'Sti' && !guestInterruptsEnabled(cpu, this.vcpu, false);
		cpu.eip = site.eip;
		let result: Emulated | undefined;
		const paging = this.hardware.paging;
		const trapping = paging.trapTraces;
		// The monitor's own stores (a busy bit in the guest GDT, a pushed frame) land in traced pages without exiting.
		paging.trapTraces = false;
		const guestView = this.hardware.beginGuestView();
		try {
			result = emulate(this.context, ins);
			// Every callout form is emulated; one that is not is an encoding the monitor does not model, which the guest sees as #UD.
			if (!result) throw new CpuException(Vector.UD);
		} catch (error) {
			if (error instanceof CpuException) this.calloutFault = error;
			throw error;
		} finally {
			this.hardware.endGuestView(guestView);
			paging.trapTraces = trapping;
		}
		if (paging.descriptorTablesWritten) this.hardware.resyncTables();
		this.completeEmulation(ins, site, result, fromCpl, stiShadow, event);
		if (result.halt) cpu.requestExit('halt');
	}

	/**
	 * IRETD from virtual ring 0 (a handler returning into the kernel, or a system call into user code)
	 * when nothing needs the callout's care: no listener, a flat 32-bit stack frame in RAM the TLB
	 * already grants, NT and VM clear, and a code segment (and, back to ring 3, a stack segment) an IRET
	 * was already checked to reach (kept with the monitor's descriptor cache, which every table change
	 * drops). What emulateIret would do then; false, having changed nothing, for the callout to do it in full.
	 */
	quickIret(): boolean {
		const { cpu, vcpu, hardware } = this;
		if (this.reporter.listening || vcpu.cpl !== 0 || (cpu.systemFlags() & Flag.NT) !== 0) return false;
		const ss = cpu.seg[Seg.SS];
		if (!ss.big) return false;
		hardware.resyncTables();
		const esp = cpu.regs[Reg.ESP] >>> 0;
		const frame = cpu.ram32View;
		const at = this.frameAt(ss.base + esp, esp, 12);
		if (at < 0) return false;
		const cs = frame[at + 1] & 0xffff;
		const flags = frame[at + 2];
		const toCpl = cs & 3;
		if ((toCpl !== 0 && toCpl !== 3) || (flags & Flag.VM) !== 0) return false;
		const target = hardware.descriptors.checkedReturn(cs, returnKey(toCpl, 0));
		if (target === undefined) return false;
		if (toCpl === 0) {
			cpu.regs[Reg.ESP] = esp + 12;
		} else {
			// Out to ring 3: ESP and SS from the frame, as IRET pops them.
			if (this.frameAt(ss.base + esp, esp, 20) < 0) return false;
			const outerSs = hardware.descriptors.checkedOuterStack(frame[at + 4] & 0xffff, 3);
			if (outerSs === undefined) return false;
			cpu.seg[Seg.SS] = outerSs;
			cpu.regs[Reg.ESP] = frame[at + 3];
		}
		enterIretTarget(cpu, vcpu, target, frame[at] >>> 0, flags);
		return true;
	}

	/** Where the `bytes` of a frame at stack offset `esp` (linear `at`) lie in RAM for the monitor reading them as the guest, or -1. */
	private frameAt(at: number, esp: number, bytes: number): number {
		if (esp > 0x100000000 - bytes) return -1;
		const guestView = this.hardware.beginGuestView();
		const index = this.cpu.frameIndex32(at, bytes, false);
		this.hardware.endGuestView(guestView);
		return index;
	}

	/** Under trap-and-emulate, a sensitive instruction about to run with its real ring-1 behaviour. */
	reportHole(ins: DecodedInstruction): boolean {
		const entry = lookupCode(ins.codeName);
		const event = this.reporter.announce('hole', { eip: ins.eip, linear: ins.linear }, ins.text, `ran natively at real ring 1: ${entry?.virtualization ?? ''}`, entry);
		if (event !== STOP) return true;
		this.cpu.requestExit('event', { beforeInstruction: true });
		return false;
	}

	/** After an emulation (the instruction not yet retired): EIP, the STI shadow, the event's outcome, I/O and ring-change events, HLT. */
	private completeEmulation(ins: GuestInstruction, site: Site, result: Emulated, fromCpl: number, stiShadow: boolean, event: MonitorEvent | undefined): void {
		const cpu = this.cpu;
		if (!result.transferred) cpu.eip = (site.eip + ins.length) >>> 0;
		if (stiShadow) cpu.interruptsHeldUntil = cpu.instructionCount + 2;
		if (event) {
			event.action = result.action;
			event.detail = result.detail;
			if (result.io) this.reporter.emitAt('io', site, ins.text, `${result.io.direction} port ${hex(result.io.port, 4)}`, { ...result.io });
		}
		if (fromCpl !== this.vcpu.cpl && this.reporter.listening) this.reporter.emit('ring-change', '', `guest ring ${fromCpl} -> ${this.vcpu.cpl}`, { from: fromCpl, to: this.vcpu.cpl });
		if (result.halt) this.halted();
	}
}
