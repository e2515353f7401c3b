// The virtual machine monitor: runs the PC's CPU in slices, takes every exit,
// and decides what the guest sees. Native mode lets the hardware deliver
// everything; the compressed modes run guest ring 0 at real ring 1 on the
// shadow GDT, emulate what traps and reflect the rest through the guest's IDT.
//
// Paging: with CR0.PG set, the hardware walks the guest's own page tables
// (shadow paging is a later step), so guest CR3 is loaded into the hardware.

import { linear, type LinearAddress } from '../x86/addresses';
import { CpuException, HAS_ERROR_CODE, Vector, VECTOR_NAMES, type InterruptSource } from '../x86/exceptions';
import { lookupCode } from '../x86/instruction-table';
import { Cr0, Flag, REG_NAMES, Seg, SEG_NAMES } from '../x86/registers';
import { deliverInterrupt, TripleFault } from '../x86/system/index';
import { compress, decodeSegment, encodeSegment } from './descriptors';
import type { MonitorEvent, MonitorEventKind } from './events';
import { MonitorEventStream } from './events';
import { emulateFarTransfer, emulateIret, emulateRetf } from './far-transfers';
import { hex } from './format';
import { decodeGuestInstruction, fetchInstructionBytes, type GuestInstruction } from './guest-instruction';
import { guestEflags, guestSelector, realRing, virtualRing } from './guest-state';
import type { CpuExit, MonitoredCpu, MonitoredPc } from './hardware';
import { emulatePrivileged, emulateSegmentLoad, NotEmulated, type Emulated, type EmulationContext } from './privileged-emulation';
import { reflect } from './reflection';
import { ShadowTables } from './shadow-tables';
import { TranslationCache } from './translation-cache';
import { segmentView, type GuestCpuView, type MonitorCpuView, type MonitorMode } from './views';
import { VirtualCpu, type VirtualCpuState } from './virtual-cpu';

export interface MonitorOptions {
	mode: MonitorMode;
	translationCacheCapacity?: number;
}

export interface RunOutcome {
	reason: 'budget' | 'breakpoint' | 'event' | 'exit' | 'triple-fault' | 'idle';
	event?: MonitorEvent;
	exitCode?: number;
}

/** What the monitor was about to do when a listener asked it to stop. */
type PendingAction = { kind: 'exit'; exit: CpuExit } | { kind: 'interrupt'; vector: number };

const CONTRIBUTORY = new Set<number>([Vector.DE, Vector.TS, Vector.NP, Vector.SS, Vector.GP]);
const TRAP_VECTORS = new Set<number>([Vector.DB, Vector.BP, Vector.OF]);

export class Monitor {
	readonly events = new MonitorEventStream();
	readonly vcpu = new VirtualCpu();
	readonly translationCache: TranslationCache;
	readonly mode: MonitorMode;
	private readonly cpu: MonitoredCpu;
	private readonly shadow?: ShadowTables;
	private breakpoints = new Set<number>();
	private stopRequested = false;
	private lastEvent?: MonitorEvent;
	private pending?: PendingAction;
	private idle = false;

	constructor(readonly pc: MonitoredPc, options: MonitorOptions) {
		this.mode = options.mode;
		this.cpu = pc.cpu;
		this.translationCache = new TranslationCache(options.translationCacheCapacity, () => this.cpu.flushTlb());
		this.captureGuestState();
		if (this.mode !== 'native') {
			this.shadow = new ShadowTables();
			this.enterCompressedMode(this.shadow);
		}
	}

	/** A listener asks the monitor to stop before it acts on the event being emitted. */
	requestStop(): void {
		this.stopRequested = true;
	}

	setBreakpoints(addresses: LinearAddress[]): void {
		this.breakpoints = new Set(addresses.map((a) => a >>> 0));
		this.cpu.setStopAddresses(this.breakpoints);
	}

	run(maxInstructions: number): RunOutcome {
		const target = this.cpu.instructionCount + maxInstructions;
		let first = true;
		for (;;) {
			const outcome = this.slice(Math.max(0, target - this.cpu.instructionCount), first);
			first = false;
			if (outcome) return outcome;
			if (this.cpu.instructionCount >= target) return { reason: 'budget' };
		}
	}

	/** Exactly one guest instruction, one emulation or one interrupt delivery. */
	step(): RunOutcome {
		const before = this.cpu.instructionCount;
		const outcome = this.slice(1, true, true);
		if (outcome) return outcome;
		return this.cpu.instructionCount > before || !this.idle ? { reason: 'budget' } : { reason: 'idle' };
	}

	/**
	 * One pass of the loop: a pending action, an interrupt, or a CPU run.
	 * Returns an outcome when the run must end, undefined to go on.
	 */
	private slice(budget: number, resuming: boolean, single = false): RunOutcome | undefined {
		const exited = this.exitOutcome();
		if (exited) return exited;
		const pending = this.pending;
		if (pending) {
			this.pending = undefined;
			return pending.kind === 'exit' ? this.handleExit(pending.exit, true) : this.deliverExternal(pending.vector, true);
		}
		this.pc.advanceDevices();
		if (this.pc.pic.pending() && this.interruptsEnabled()) {
			this.idle = false;
			return this.deliverExternal(this.pc.pic.acknowledge(), false);
		}
		if (this.idle) return this.waitForInterrupt();
		if (budget <= 0) return undefined;
		// Leaving a breakpoint: the instruction at it runs once without stopping there again.
		const eipLinear = this.currentLinear();
		const atBreakpoint = resuming && this.breakpoints.has(eipLinear);
		if (atBreakpoint || single) {
			const others = new Set(this.breakpoints);
			if (atBreakpoint) others.delete(eipLinear);
			this.cpu.setStopAddresses(others);
		}
		let exit: CpuExit;
		try {
			exit = this.cpu.run(atBreakpoint || single ? 1 : budget);
		} finally {
			if (atBreakpoint || single) this.cpu.setStopAddresses(this.breakpoints);
		}
		this.noticeRingChange();
		return this.handleExit(exit, false);
	}

	private handleExit(exit: CpuExit, resumed: boolean): RunOutcome | undefined {
		switch (exit.kind) {
			case 'budget': case 'interrupt': case 'callout-stop':
				return this.stopAfterEvent();
			case 'stop-address':
				return { reason: 'breakpoint' };
			case 'halt':
				this.idle = true;
				return undefined;
			case 'exception':
				if (!exit.exception) throw new Error('CPU exit of kind exception without an exception');
				return this.mode === 'native' ? this.deliverNative(exit, exit.exception, resumed) : this.handleGuestTrap(exit, exit.exception, resumed);
		}
	}

	// ---- native mode ---------------------------------------------------------------------------

	private deliverNative(exit: CpuExit, e: CpuException, resumed: boolean): RunOutcome | undefined {
		const software = this.softwareInterruptAt(e.vector);
		const source: InterruptSource = software ? 'software' : TRAP_VECTORS.has(e.vector) ? 'trap' : 'fault';
		if (!resumed && this.emit('guest-exception', software?.text ?? '', `delivered ${VECTOR_NAMES[e.vector] ?? `vector ${e.vector}`} through the IDT`, { vector: e.vector, errorCode: e.errorCode ?? -1 })) {
			this.pending = { kind: 'exit', exit };
			return this.eventOutcome();
		}
		const fromCpl = this.cpu.cpl;
		try {
			if (e.vector === Vector.PF && e.faultAddress !== undefined) this.cpu.cr2 = e.faultAddress;
			deliverInterrupt(this.cpu, e.vector, source, software ? undefined : e.errorCode, software ? (this.cpu.eip + software.length) >>> 0 : undefined);
		} catch (error) {
			if (error instanceof TripleFault) return this.tripleFault(error.message);
			throw error;
		}
		this.cpu.instructionCount += software ? 1 : 0;
		this.vcpu.cpl = this.cpu.cpl;
		if (fromCpl !== this.cpu.cpl) this.emit('ring-change', '', `ring ${fromCpl} -> ${this.cpu.cpl}`, { from: fromCpl, to: this.cpu.cpl });
		return this.stopAfterEvent();
	}

	// ---- compressed modes: trap, emulate or reflect --------------------------------------------

	private handleGuestTrap(exit: CpuExit, e: CpuException, resumed: boolean): RunOutcome | undefined {
		let ins: GuestInstruction | undefined;
		if (e.vector === Vector.GP || e.vector === Vector.BP || e.vector === Vector.OF || e.vector === Vector.UD || e.vector >= 32 || e.vector === 0x80) {
			try {
				ins = decodeGuestInstruction(fetchInstructionBytes(this.cpu, this.currentLinear()), this.cpu.eip);
			} catch (fetchError) {
				if (!(fetchError instanceof CpuException)) throw fetchError;
			}
		}
		const software = ins && this.softwareVector(ins);
		if (ins && software !== undefined) return this.reflectSoftware(exit, ins, software, resumed);
		if (ins && e.vector === Vector.GP) {
			const emulation = this.tryEmulate(exit, ins, resumed);
			if (emulation !== 'not-emulated') return emulation;
		}
		return this.reflectFault(exit, e, resumed);
	}

	private tryEmulate(exit: CpuExit, ins: GuestInstruction, resumed: boolean): RunOutcome | undefined | 'not-emulated' {
		const entry = lookupCode(ins.code);
		if (!entry) return 'not-emulated';
		const fromCpl = this.vcpu.cpl;
		const eip = this.cpu.eip;
		const address = this.currentLinear();
		// One event per trap, emitted before acting (a listener may stop here); its action is completed with the result afterwards.
		let event: MonitorEvent | undefined;
		if (this.events.listening) {
			event = { kind: 'trap', time: this.cpu.instructionCount, eip, address, instruction: ins.text, instructionClass: entry.class, action: `trapped ${ins.text} at guest ring ${fromCpl}` };
			this.lastEvent = event;
			if (!resumed) this.events.emit(event);
			if (this.stopRequested) {
				this.pending = { kind: 'exit', exit };
				return this.eventOutcome();
			}
		}
		let result: Emulated | undefined;
		try {
			result = this.emulate(ins);
		} catch (error) {
			if (error instanceof NotEmulated) return 'not-emulated';
			if (error instanceof CpuException) return this.reflectFault(exit, error, true);
			throw error;
		}
		if (!result) return 'not-emulated';
		if (!result.transferred) this.cpu.eip = (eip + ins.length) >>> 0;
		this.cpu.instructionCount++;
		if (event) {
			event.action = result.action;
			event.detail = result.detail;
			if (result.io) this.emitAt('io', eip, address, ins.text, `${result.io.direction} port ${hex(result.io.port, 4)}`, { ...result.io });
		}
		if (fromCpl !== this.vcpu.cpl) this.emit('ring-change', '', `guest ring ${fromCpl} -> ${this.vcpu.cpl}`, { from: fromCpl, to: this.vcpu.cpl });
		if (result.halt) this.idle = true;
		return this.stopAfterEvent();
	}

	private emulate(ins: GuestInstruction): Emulated | undefined {
		const { cpu, vcpu } = this;
		const entry = lookupCode(ins.code);
		if (entry?.treatment.trapAndEmulate === 'trap') return emulatePrivileged(this.emulationContext(), ins);
		const segment = emulateSegmentLoad(this.emulationContext(), ins);
		if (segment) return segment;
		if (vcpu.cpl !== 0) return undefined;
		const [a] = ins.operands;
		switch (ins.code) {
			case 'Iretd': case 'Iretw':
				this.resyncTables();
				return { action: emulateIret(cpu, vcpu, ins.operandSize), transferred: true };
			case 'Retfd': case 'Retfd_imm16':
				this.resyncTables();
				return { action: emulateRetf(cpu, vcpu, a?.kind === 'imm' ? a.value : 0), transferred: true };
			case 'Jmp_ptr1632': case 'Call_ptr1632':
				if (a?.kind !== 'far') return undefined;
				return { action: emulateFarTransfer(cpu, vcpu, a.selector, a.offset, ins.code.startsWith('Call') ? (cpu.eip + ins.length) >>> 0 : undefined), transferred: true };
			default:
				return undefined;
		}
	}

	private reflectSoftware(exit: CpuExit, ins: GuestInstruction, vector: number, resumed: boolean): RunOutcome | undefined {
		const returnEip = (this.cpu.eip + ins.length) >>> 0;
		const source: InterruptSource = ins.code === 'Int_imm8' ? 'software' : 'trap';
		return this.reflectInto(exit, { vector, source, returnEip }, ins.text, resumed, true);
	}

	private reflectFault(exit: CpuExit, e: CpuException, resumed: boolean): RunOutcome | undefined {
		const source: InterruptSource = TRAP_VECTORS.has(e.vector) ? 'trap' : 'fault';
		if (e.vector === Vector.PF && e.faultAddress !== undefined) this.vcpu.cr2 = this.cpu.cr2 = e.faultAddress;
		return this.reflectInto(exit, { vector: e.vector, source, errorCode: HAS_ERROR_CODE.has(e.vector) ? e.errorCode ?? 0 : undefined, returnEip: this.cpu.eip }, '', resumed, false);
	}

	private reflectInto(
		exit: CpuExit, r: { vector: number; source: InterruptSource; errorCode?: number; returnEip: number },
		text: string, resumed: boolean, retires: boolean,
	): RunOutcome | undefined {
		if (!resumed && this.emit('guest-exception', text, `reflecting ${VECTOR_NAMES[r.vector] ?? `vector ${r.vector}`} through the guest IDT`, { vector: r.vector, errorCode: r.errorCode ?? -1 })) {
			this.pending = { kind: 'exit', exit };
			return this.eventOutcome();
		}
		const delivered = this.deliverToGuest(r);
		if (delivered !== true) return delivered;
		if (retires) this.cpu.instructionCount++;
		return this.stopAfterEvent();
	}

	/** Reflection with the hardware's escalation: a contributory fault while delivering one becomes #DF, and a fault delivering #DF a triple fault. */
	private deliverToGuest(r: { vector: number; source: InterruptSource; errorCode?: number; returnEip: number }): true | RunOutcome {
		let current = r;
		for (;;) {
			this.resyncTables();
			const fromCpl = this.vcpu.cpl;
			try {
				reflect(this.cpu, this.vcpu, current);
				if (fromCpl !== this.vcpu.cpl) this.emit('ring-change', '', `guest ring ${fromCpl} -> ${this.vcpu.cpl} (real ring ${this.cpu.cpl})`, { from: fromCpl, to: this.vcpu.cpl });
				return true;
			} catch (error) {
				if (!(error instanceof CpuException)) throw error;
				if (current.vector === Vector.DF) return this.tripleFault(`fault while delivering #DF: ${error.message}`);
				const first = current.vector;
				const escalate = (CONTRIBUTORY.has(first) || first === Vector.PF) && (CONTRIBUTORY.has(error.vector) || (error.vector === Vector.PF && first === Vector.PF));
				if (error.vector === Vector.PF && error.faultAddress !== undefined) this.vcpu.cr2 = this.cpu.cr2 = error.faultAddress;
				current = escalate
					? { vector: Vector.DF, source: 'fault', errorCode: 0, returnEip: r.returnEip }
					: { vector: error.vector, source: 'fault', errorCode: HAS_ERROR_CODE.has(error.vector) ? error.errorCode ?? 0 : undefined, returnEip: r.returnEip };
			}
		}
	}

	// ---- interrupts, idling, exits -------------------------------------------------------------

	private interruptsEnabled(): boolean {
		if (this.mode === 'native' || this.vcpu.cpl !== 0) return (this.cpu.getEflags() & Flag.IF) !== 0;
		return this.vcpu.interruptFlag;
	}

	private deliverExternal(vector: number, resumed: boolean): RunOutcome | undefined {
		if (!resumed && this.emit('interrupt', '', `delivering external interrupt vector ${vector}`, { vector })) {
			this.pending = { kind: 'interrupt', vector };
			return this.eventOutcome();
		}
		if (this.mode === 'native') {
			const fromCpl = this.cpu.cpl;
			try {
				deliverInterrupt(this.cpu, vector, 'external');
			} catch (error) {
				if (error instanceof TripleFault) return this.tripleFault(error.message);
				throw error;
			}
			this.vcpu.cpl = this.cpu.cpl;
			if (fromCpl !== this.cpu.cpl) this.emit('ring-change', '', `ring ${fromCpl} -> ${this.cpu.cpl}`, { from: fromCpl, to: this.cpu.cpl });
			return this.stopAfterEvent();
		}
		const delivered = this.deliverToGuest({ vector, source: 'external', returnEip: this.cpu.eip });
		return delivered === true ? this.stopAfterEvent() : delivered;
	}

	/** HLT: skip virtual time to the next device deadline, or give up when nothing can wake the guest. */
	private waitForInterrupt(): RunOutcome | undefined {
		const deadline = this.pc.clock.nextDeadline();
		if (!this.interruptsEnabled() || deadline === undefined) return { reason: 'idle' };
		this.pc.clock.skipTo(deadline);
		this.pc.advanceDevices();
		return undefined;
	}

	private exitOutcome(): RunOutcome | undefined {
		const code = this.pc.debugExit.exitCode;
		return code === undefined ? undefined : { reason: 'exit', exitCode: code };
	}

	private tripleFault(message: string): RunOutcome {
		const event = this.buildEvent('triple-fault', '', `triple fault: ${message}; the machine stops`);
		if (this.events.listening) this.events.emit(event);
		return { reason: 'triple-fault', event };
	}

	// ---- events -------------------------------------------------------------------------------

	/** Emits when someone listens; returns true when a listener asked to stop. */
	private emit(kind: MonitorEventKind, instruction: string, action: string, detail?: Record<string, number | string | boolean>, instructionClass?: MonitorEvent['instructionClass']): boolean {
		if (!this.events.listening) return false;
		this.emitAt(kind, this.cpu.eip, this.currentLinear(), instruction, action, detail, instructionClass);
		return this.stopRequested;
	}

	private emitAt(kind: MonitorEventKind, eip: number, address: LinearAddress, instruction: string, action: string, detail?: Record<string, number | string | boolean>, instructionClass?: MonitorEvent['instructionClass']): void {
		const event: MonitorEvent = { kind, time: this.cpu.instructionCount, eip, address, instruction, instructionClass, action, detail };
		this.lastEvent = event;
		this.events.emit(event);
	}

	private buildEvent(kind: MonitorEventKind, instruction: string, action: string): MonitorEvent {
		return { kind, time: this.cpu.instructionCount, eip: this.cpu.eip, address: this.currentLinear(), instruction, action };
	}

	private eventOutcome(): RunOutcome {
		this.stopRequested = false;
		return { reason: 'event', event: this.lastEvent };
	}

	/** A stop requested by a listener of an event that needs no pending action (ring changes, I/O, translations). */
	private stopAfterEvent(): RunOutcome | undefined {
		if (!this.stopRequested) return undefined;
		return this.eventOutcome();
	}

	private noticeRingChange(): void {
		const now = this.mode === 'native' ? this.cpu.cpl : virtualRing(this.cpu.cpl);
		if (now === this.vcpu.cpl) return;
		const from = this.vcpu.cpl;
		this.vcpu.cpl = now;
		this.emit('ring-change', '', `guest ring ${from} -> ${now} (real ring ${this.cpu.cpl})`, { from, to: now });
	}

	// ---- the virtual CPU and the hardware ---------------------------------------------------------

	private softwareInterruptAt(vector: number): GuestInstruction | undefined {
		try {
			const ins = decodeGuestInstruction(fetchInstructionBytes(this.cpu, this.currentLinear()), this.cpu.eip);
			return this.softwareVector(ins) === vector ? ins : undefined;
		} catch (e) {
			if (e instanceof CpuException) return undefined;
			throw e;
		}
	}

	private softwareVector(ins: GuestInstruction): number | undefined {
		if (ins.code === 'Int_imm8') return ins.operands[0]?.kind === 'imm' ? ins.operands[0].value & 0xff : undefined;
		if (ins.code === 'Int3') return Vector.BP;
		if (ins.code === 'Into') return (this.cpu.getEflags() & Flag.OF) !== 0 ? Vector.OF : undefined;
		return undefined;
	}

	private currentLinear(): LinearAddress {
		return linear(this.cpu.seg[Seg.CS].base + this.cpu.eip);
	}

	private emulationContext(): EmulationContext {
		return {
			cpu: this.cpu, vcpu: this.vcpu, io: this.pc.io,
			resyncTables: () => this.resyncTables(),
			syncHardwareControl: () => this.syncHardwareControl(),
		};
	}

	private captureGuestState(): void {
		const { cpu, vcpu } = this;
		vcpu.cpl = cpu.cpl;
		const flags = cpu.getEflags();
		vcpu.interruptFlag = (flags & Flag.IF) !== 0;
		vcpu.iopl = (flags & Flag.IOPL) >>> 12;
		vcpu.cr0 = cpu.cr0; vcpu.cr2 = cpu.cr2; vcpu.cr3 = cpu.cr3; vcpu.cr4 = cpu.cr4;
		vcpu.gdtr = { ...cpu.gdtr }; vcpu.idtr = { ...cpu.idtr };
		vcpu.ldtr = { ...cpu.ldtr }; vcpu.tr = { ...cpu.tr };
		vcpu.dr.set(cpu.dr);
		for (const [k, v] of cpu.msr) vcpu.msr.set(k, v);
	}

	private enterCompressedMode(shadow: ShadowTables): void {
		const { cpu, vcpu } = this;
		cpu.monitorWindow = { linearBase: 0xffc00000, bytes: shadow.window };
		this.resyncTables();
		cpu.gdtr = { ...shadow.gdtr };
		cpu.idtr = { ...shadow.idtr };
		cpu.tr = { ...shadow.tr };
		// The caches loaded before the monitor took over (the multiboot start state) are compressed in place.
		for (let s = Seg.ES; s <= Seg.GS; s++) {
			const c = cpu.seg[s];
			if (!c.usable || c.system) continue;
			const d = compress(decodeSegment(encodeSegment({ base: c.base, limit: c.limit, type: c.type, system: false, dpl: c.dpl, present: c.present, big: c.big, granular: c.limit > 0xfffff })));
			const selector = s === Seg.CS || s === Seg.SS ? (c.selector & 0xfffc) | realRing(vcpu.cpl) : c.selector;
			cpu.seg[s] = { ...c, selector, dpl: d.dpl, limit: d.limit };
		}
		cpu.cpl = realRing(vcpu.cpl);
		cpu.setEflags((cpu.getEflags() & ~Flag.IOPL) | (vcpu.cpl === 0 ? Flag.IF : 0));
		this.syncHardwareControl();
	}

	private resyncTables(): void {
		if (!this.shadow) return;
		this.shadow.syncGdt(this.cpu, this.vcpu);
		this.shadow.syncTss(this.cpu, this.vcpu);
	}

	/** The guest's control registers go into the hardware as they are: no shadow paging yet. */
	private syncHardwareControl(): void {
		const { cpu, vcpu } = this;
		const pagingChanged = cpu.cr3 !== vcpu.cr3 || ((cpu.cr0 ^ vcpu.cr0) & (Cr0.PG | Cr0.WP)) !== 0 || cpu.cr4 !== vcpu.cr4;
		cpu.cr0 = vcpu.cr0 | Cr0.PE;
		cpu.cr2 = vcpu.cr2;
		cpu.cr3 = vcpu.cr3;
		cpu.cr4 = vcpu.cr4;
		cpu.ldtr = { ...vcpu.ldtr };
		this.shadow?.syncTss(cpu, vcpu);
		if (pagingChanged) cpu.flushTlb();
	}

	// ---- views and state ----------------------------------------------------------------------------

	guestView(): GuestCpuView {
		const { cpu, vcpu } = this;
		const native = this.mode === 'native';
		const registers = Object.fromEntries(REG_NAMES.map((n, i) => [n, cpu.regs[i] >>> 0])) as GuestCpuView['registers'];
		const segments = Object.fromEntries(SEG_NAMES.map((n, i) => {
			const cache = cpu.seg[i];
			if (native) return [n, segmentView(cache)];
			const view = segmentView(cache, guestSelector(cpu, vcpu, i as Seg));
			// The guest sees the DPL it wrote: a compressed DPL 1 is its DPL 0.
			return [n, { ...view, dpl: cache.dpl === 1 ? 0 : cache.dpl }];
		})) as GuestCpuView['segments'];
		return {
			registers, eip: cpu.eip >>> 0,
			eflags: native ? cpu.getEflags() >>> 0 : guestEflags(cpu, vcpu),
			segments,
			cr0: native ? cpu.cr0 >>> 0 : vcpu.cr0 >>> 0, cr2: native ? cpu.cr2 >>> 0 : vcpu.cr2 >>> 0,
			cr3: native ? cpu.cr3 >>> 0 : vcpu.cr3 >>> 0, cr4: native ? cpu.cr4 >>> 0 : vcpu.cr4 >>> 0,
			gdtr: { ...(native ? cpu.gdtr : vcpu.gdtr) }, idtr: { ...(native ? cpu.idtr : vcpu.idtr) },
			ldtr: segmentView(native ? cpu.ldtr : vcpu.ldtr), tr: segmentView(native ? cpu.tr : vcpu.tr),
			cpl: native ? cpu.cpl : vcpu.cpl,
		};
	}

	monitorView(): MonitorCpuView {
		const { cpu } = this;
		const segments = Object.fromEntries(SEG_NAMES.map((n, i) => [n, segmentView(cpu.seg[i])])) as MonitorCpuView['segments'];
		const execution = this.pending ? 'monitor' : this.mode === 'binary-translation' && this.vcpu.cpl === 0 ? 'translated' : 'direct';
		return {
			mode: this.mode, cpl: cpu.cpl, eflags: cpu.getEflags() >>> 0, segments,
			gdtr: { ...cpu.gdtr }, idtr: { ...cpu.idtr }, tr: segmentView(cpu.tr), execution,
			translationCache: {
				blocks: this.translationCache.size, capacity: this.translationCache.capacity,
				flushes: this.translationCache.flushes, executions: this.translationCache.totalExecutions(),
			},
		};
	}

	/** Guest memory through the guest's paging, for the debugger: undefined when a page is not mapped. No side effects. */
	readGuestLinear(address: LinearAddress, length: number): Uint8Array | undefined {
		const out = new Uint8Array(length);
		let done = 0;
		while (done < length) {
			const at = linear(address + done);
			const chunk = Math.min(length - done, 0x1000 - (at & 0xfff));
			let physicalAddress;
			try {
				physicalAddress = (this.cpu.cr0 & Cr0.PG) ? this.cpu.translate(at, false, false) : at;
			} catch (e) {
				if (e instanceof CpuException) return undefined;
				throw e;
			}
			out.set(this.pc.memory.peek(physicalAddress as never, chunk), done);
			done += chunk;
		}
		return out;
	}

	saveState(): MonitorState {
		return {
			pc: this.pc.saveState(), vcpu: this.vcpu.saveState(), shadow: this.shadow?.saveState(),
			idle: this.idle, pending: this.pending && structuredClone(this.pending),
		};
	}

	loadState(state: MonitorState): void {
		this.pc.loadState(state.pc);
		this.vcpu.loadState(state.vcpu);
		if (this.shadow && state.shadow) this.shadow.loadState(state.shadow);
		this.idle = state.idle;
		this.pending = state.pending;
		this.translationCache.flush();
		if (this.shadow) this.cpu.monitorWindow = { linearBase: 0xffc00000, bytes: this.shadow.window };
	}
}

export interface MonitorState {
	pc: unknown;
	vcpu: VirtualCpuState;
	shadow?: ReturnType<ShadowTables['saveState']>;
	idle: boolean;
	pending?: PendingAction;
}

