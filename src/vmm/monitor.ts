// The virtual machine monitor: runs the PC's CPU in slices, takes every exit,
// and decides what the guest sees. Native mode lets the hardware deliver
// everything; the compressed modes run guest ring 0 at real ring 1 on the
// shadow GDT (compressed-hardware.ts), emulate what traps or what the
// translator's callouts hand over (guest-emulation.ts), resolve the faults the
// guest never sees (hidden-faults.ts), and reflect the rest through the
// guest's IDT (escalating-reflection.ts).
//
// Paging: native mode loads the guest's CR3 into the hardware. The compressed
// modes load the monitor's shadow page tables (shadow-paging/): the guest's
// CR0/CR3/CR4 live in the virtual CPU, hidden faults (shadow misses, stores to
// traced pages) are resolved by the monitor, true faults are reflected.

import type { LinearAddress } from '../x86/addresses';
import type { InstructionEmitter } from '../x86/block-compiler';
import type { Cpu } from '../x86/cpu';
import { CpuException, hasErrorCode, Vector, VECTOR_NAMES } from '../x86/exceptions';
import { lookupCode } from '../x86/instruction-table';
import { Dr6, Flag, Seg } from '../x86/registers';
import type { Absorbed, RunOptions } from '../x86/run';
import { TripleFault } from '../x86/system/index';
import { copySystemRegisters } from '../x86/system-registers';
import { CompressedHardware } from './compressed-hardware';
import { reflectEscalating, tryReflect } from './escalating-reflection';
import type { Reflection } from './reflection';
import { buildGuestView, buildMonitorView, readGuestLinear } from './cpu-views';
import { currentLinear, EventReporter, STOP } from './event-reporter';
import type { MonitorEventStream } from './events';
import { hex } from './format';
import { GuestEmulation, guestInterruptsEnabled } from './guest-emulation';
import type { GuestInstruction } from './guest-instruction';
import { realRing, virtualRing } from './guest-state';
import type { CpuExit, MonitoredPc } from './hardware';
import { HiddenFaults } from './hidden-faults';
import { gatedInterruptLine } from './interrupt-gate';
import { createHoleEmitter, outputExitEmitter } from './native-emitters';
import type { RunOutcome } from './run-outcome';
import type { ShadowPagingStatistics } from './shadow-paging/shadow-paging';
import { TraceFault } from './shadow-paging/trace-fault';
import type { ShadowTables } from './shadow-tables';
import { TranslationCache, type PhysicalRange, type TranslatedBlockInfo } from './translation-cache';
import { createTranslator } from './translator';
import { TrappedInstructions } from './trapped-instructions';
import { callGate, middleRing, UnsupportedGuest } from './unsupported-guest';
import { entersMiddleRing, isCallGate, type SegmentDescriptor } from './descriptors';
import type { GuestCpuView, MonitorCpuView, MonitorMode } from './views';
import { VirtualCpu, type VirtualCpuState } from './virtual-cpu';

export type { RunOutcome } from './run-outcome';
export { ADAPT_AFTER_TRACE_EXITS } from './hidden-faults';

export interface MonitorOptions {
	mode: MonitorMode;
	translationCacheCapacity?: number;
}

/** What the monitor was about to do when a listener asked it to stop. */
type PendingAction = { kind: 'exit'; exit: CpuExit } | { kind: 'interrupt'; vector: number };

/** The compressed modes' collaborators: the hardware they set up, the faults they hide, the instructions they emulate. */
interface Compressed {
	hardware: CompressedHardware;
	hidden: HiddenFaults;
	emulation: GuestEmulation;
}

export class Monitor {
	readonly events: MonitorEventStream;
	readonly vcpu = new VirtualCpu();
	readonly translationCache: TranslationCache;
	readonly mode: MonitorMode;
	/** Decoded #GP sites, so a trap decodes its instruction once per address. */
	readonly trappedInstructions = new TrappedInstructions();
	private readonly cpu: Cpu;
	private readonly reporter: EventReporter;
	private readonly compressed?: Compressed;
	private readonly runOptions: RunOptions;
	private breakpoints = new Set<number>();
	private pending?: PendingAction;
	/** What an exit absorbed inside the run left for the run's caller. */
	private absorbedOutcome?: RunOutcome;
	private idle = false;
	/** Exceptions, software and external interrupts the monitor has taken: the budget counts them (see work()). */
	private deliveries = 0;
	/** Set once the guest did something the monitor cannot virtualize: every later run ends there again. */
	private unsupported?: RunOutcome;

	constructor(readonly pc: MonitoredPc, options: MonitorOptions) {
		this.mode = options.mode;
		this.cpu = pc.cpu;
		this.reporter = new EventReporter(this.cpu);
		this.events = this.reporter.stream;
		this.translationCache = new TranslationCache(options.translationCacheCapacity, () => this.cpu.invalidateAllBlocks());
		this.captureGuestState();
		// The guest's exit ends the run at the instruction that wrote it.
		pc.debugExit.onExit?.(() => this.cpu.requestExit('guest exit'));
		const absorb = (exit: CpuExit & { kind: 'exception' | 'software-interrupt' }): Absorbed => this.absorb(exit);
		if (this.mode === 'native') {
			this.cpu.interruptLine = pc.pic;
			this.runOptions = { emitterFor: () => outputExitEmitter, absorb };
			return;
		}
		const hardware = new CompressedHardware(this.cpu, this.vcpu, pc.memory, this.reporter);
		this.watchCodeWrites(pc.memory, hardware);
		hardware.enter();
		this.cpu.interruptLine = gatedInterruptLine(pc.pic, this.cpu, this.vcpu);
		const emulation = new GuestEmulation(this.cpu, this.vcpu, pc.io, hardware, this.reporter, () => {
			this.idle = true;
		});
		const compressed = realRing(0);
		let emitterFor: RunOptions['emitterFor'];
		if (this.mode === 'binary-translation') {
			// `hidden` is built below, once the emitter it runs single instructions with exists; the translator calls it only when code runs.
			const ring0: InstructionEmitter = createTranslator({
				callout: (ins, entry, at, emulate) => emulation.callout(ins, entry, at, emulate),
				quickIret: () => emulation.quickIret(),
				register: (info) => this.registerTranslation(info),
				isAdapted: (at) => hidden.isAdapted(at),
				beginDirectStore: () => hidden.setTraceTrapping(false),
				endDirectStore: () => hidden.setTraceTrapping(true),
			});
			emitterFor = (cpl) => (cpl === compressed ? ring0 : undefined);
		} else {
			const holes = createHoleEmitter((ins) => emulation.reportHole(ins));
			emitterFor = (cpl) => (cpl === compressed && this.reporter.listening ? holes : undefined);
		}
		this.runOptions = { emitterFor, absorb, deliver: (e) => this.deliverInRegion(e) };
		const hidden = new HiddenFaults(this.cpu, this.vcpu, hardware, this.reporter, this.mode, this.translationCache, this.trappedInstructions, emitterFor, () => this.catchUpWithGuestCode());
		this.compressed = { hardware, hidden, emulation };
	}

	/** A listener asks the monitor to stop before it acts on the event being emitted. */
	requestStop(): void {
		this.reporter.stopRequested = true;
	}

	setBreakpoints(addresses: LinearAddress[]): void {
		this.breakpoints = new Set(addresses.map((a) => a >>> 0));
		this.cpu.setStopAddresses(this.breakpoints);
	}

	run(maxInstructions: number): RunOutcome {
		if (this.unsupported) return this.unsupported;
		try {
			const target = this.work() + maxInstructions;
			let first = true;
			for (;;) {
				const outcome = this.slice(Math.max(0, target - this.work()), first);
				first = false;
				if (outcome) return outcome;
				if (this.work() >= target) return { reason: 'budget' };
			}
		} catch (error) {
			return this.stopUnsupported(error);
		}
	}

	/**
	 * What a run's budget counts: instructions retired and deliveries made. A
	 * guest whose exception handler faults at its first instruction takes
	 * delivery after delivery without retiring an instruction; counted, such a
	 * run still ends (the debugger's slices and pauses depend on it).
	 */
	private work(): number {
		return this.cpu.instructionCount + this.deliveries;
	}

	/** Exactly one guest instruction, one emulation or one interrupt delivery. */
	step(): RunOutcome {
		if (this.unsupported) return this.unsupported;
		try {
			const before = this.cpu.instructionCount;
			const outcome = this.slice(1, true);
			if (outcome) return outcome;
			return this.cpu.instructionCount > before || !this.idle ? { reason: 'budget' } : { reason: 'idle' };
		} catch (error) {
			return this.stopUnsupported(error);
		}
	}

	/** A guest the monitor cannot follow (it maps every slot the monitor could live in, it uses rings 1 or 2) stops the machine for good. */
	private stopUnsupported(error: unknown): RunOutcome {
		if (!(error instanceof UnsupportedGuest)) throw error;
		this.unsupported = { reason: 'unsupported', message: error.message };
		return this.unsupported;
	}

	/**
	 * One pass of the loop: a pending action, an interrupt, or a CPU run.
	 * Returns an outcome when the run must end, undefined to go on. The first
	 * slice of a run leaves a breakpoint it starts on (the CPU never stops on
	 * the first instruction it runs); later slices stop there.
	 */
	private slice(budget: number, resuming: boolean): RunOutcome | undefined {
		const exited = this.exitOutcome();
		if (exited) return exited;
		const pending = this.pending;
		if (pending) {
			this.pending = undefined;
			return pending.kind === 'exit' ? this.handleExit(pending.exit, true) : this.deliverExternal(pending.vector, true);
		}
		this.pc.advanceDevices();
		if (this.pc.pic.pending() && this.interruptsEnabled() && this.cpu.instructionCount >= this.cpu.interruptsHeldUntil) {
			this.idle = false;
			return this.deliverExternal(this.pc.pic.acknowledge(), false);
		}
		if (this.idle) return this.waitForInterrupt();
		if (budget <= 0) return undefined;
		if (!resuming && this.breakpoints.has(currentLinear(this.cpu))) return { reason: 'breakpoint' };
		const exit = this.runGuestCode(Math.min(budget, this.untilNextDeadline()));
		return this.handleExit(exit, false);
	}

	private handleExit(exit: CpuExit, resumed: boolean): RunOutcome | undefined {
		switch (exit.kind) {
			case 'absorbed': {
				const outcome = this.absorbedOutcome;
				this.absorbedOutcome = undefined;
				return outcome ?? this.exitOutcome() ?? this.reporter.stopAfterEvent();
			}
			case 'budget': case 'interrupt':
				return this.reporter.stopAfterEvent();
			case 'callout-stop':
				return this.exitOutcome() ?? this.reporter.stopAfterEvent();
			case 'stop-address':
				return { reason: 'breakpoint' };
			case 'halt':
				this.idle = true;
				return this.reporter.stopAfterEvent();
			case 'software-interrupt':
				this.deliveries++;
				return this.softwareInterrupt(exit, resumed);
			case 'exception':
				this.deliveries++;
				if (exit.exception instanceof TraceFault) return this.traceFault(exit.exception);
				return this.mode === 'native' ? this.deliverNative(exit, exit.exception, resumed) : this.handleGuestTrap(exit, exit.exception, resumed);
		}
	}

	/** Runs guest code on the CPU; under shadow paging a store to a traced page exits as a TraceFault. */
	private runGuestCode(budget: number): CpuExit {
		const compressed = this.compressed;
		if (compressed) compressed.hardware.paging.trapTraces = compressed.hidden.traceStoresExit();
		let exit: CpuExit;
		try {
			exit = this.cpu.run(budget, this.runOptions);
		} finally {
			if (compressed) compressed.hardware.paging.trapTraces = false;
		}
		this.catchUpWithGuestCode();
		return exit;
	}

	/** What guest code may have changed behind the monitor's back: the ring it runs at, its descriptor tables. */
	private catchUpWithGuestCode(): void {
		this.noticeRingChange();
		this.compressed?.hardware.followGuestStores();
	}

	/**
	 * Exceptions and software interrupts taken inside the CPU's run, without
	 * ending it: exactly what handleExit does, when nothing could make the run
	 * stop first (a listener, a pending action). A trace fault runs an
	 * instruction itself, so it leaves the run; so does anything that leaves
	 * the monitor something to act on (an outcome, HLT, the guest's exit).
	 */
	private absorb(exit: CpuExit & { kind: 'exception' | 'software-interrupt' }): Absorbed {
		if (this.reporter.listening || this.pending !== undefined) return 'exit';
		if (exit.kind === 'exception' && exit.exception instanceof TraceFault) return 'exit';
		const compressed = this.compressed;
		if (compressed) compressed.hardware.paging.trapTraces = false;
		this.catchUpWithGuestCode();
		if (compressed && this.reflectedAtOnce(compressed, exit)) {
			compressed.hardware.paging.trapTraces = compressed.hidden.traceStoresExit();
			return this.cpu.exitRequest !== null ? 'end' : 'continue';
		}
		if (compressed) compressed.hidden.absorbing = true;
		const outcome = this.handleExit(exit, false);
		if (compressed) {
			compressed.hidden.absorbing = false;
			compressed.hardware.paging.trapTraces = compressed.hidden.traceStoresExit();
			if (compressed.hidden.retryOutsideRun) {
				compressed.hidden.retryOutsideRun = false;
				return 'exit';
			}
		}
		if (outcome !== undefined) {
			this.absorbedOutcome = outcome;
			return 'end';
		}
		// A request made while the monitor acted (its own store to a traced descriptor table asks the run to
		// stop and look) ends the run here rather than outliving the exit it was made in.
		return this.idle || this.pc.debugExit.exitCode !== undefined || this.cpu.exitRequest !== null ? 'end' : 'continue';
	}

	/**
	 * An exception raised inside a compiled region, delivered there when absorb would reflect it at once:
	 * the region goes on at the handler if it holds it (and nothing asks the run to stop). False when
	 * nothing changed: the region hands the exception back to the run loop, which offers it to absorb.
	 */
	private deliverInRegion(e: CpuException): boolean {
		if (this.reporter.listening || this.pending !== undefined || e instanceof TraceFault) return false;
		const compressed = this.compressed!;
		compressed.hardware.paging.trapTraces = false;
		this.catchUpWithGuestCode();
		const delivered = this.faultReflectedAtOnce(compressed, e);
		compressed.hardware.paging.trapTraces = compressed.hidden.traceStoresExit();
		return delivered;
	}

	/**
	 * An exit the compressed modes reflect through the guest's IDT with nothing to decide first: INT n,
	 * or an exception that no emulation, hidden fault or unsupported guest can explain (QUICK_VECTORS).
	 * What handleExit would do for it, without its questions; true when delivered. A delivery that
	 * faults changes nothing here (reflect writes only once all its checks passed): false, and
	 * handleExit delivers it again, escalating as the hardware does.
	 */
	private reflectedAtOnce(compressed: Compressed, exit: CpuExit & { kind: 'exception' | 'software-interrupt' }): boolean {
		if (exit.kind === 'exception') return this.faultReflectedAtOnce(compressed, exit.exception);
		const r = quickReflection;
		r.vector = exit.vector;
		r.source = 'software';
		r.errorCode = undefined;
		r.returnEip = exit.returnEip;
		return this.reflectQuickly(compressed.hardware);
	}

	/** reflectedAtOnce for an exception (compiled regions offer theirs here directly). */
	private faultReflectedAtOnce({ hardware, emulation }: Compressed, e: CpuException): boolean {
		if (e.vector > 31 || ((QUICK_VECTORS >>> e.vector) & 1) === 0) return false;
		// Only #GP, #NP and #SS are treated differently when a callout raised them; the mark is spent either way.
		emulation.takeCalloutFault(e);
		const r = quickReflection;
		r.vector = e.vector;
		r.source = 'fault';
		r.errorCode = hasErrorCode(e.vector) ? e.errorCode ?? 0 : undefined;
		r.returnEip = this.cpu.eip;
		if (e.vector === Vector.PF && e.faultAddress !== undefined) this.vcpu.cr2 = this.cpu.cr2 = e.faultAddress;
		return this.reflectQuickly(hardware);
	}

	/** Delivers quickReflection; false when the delivery faulted (nothing changed then). */
	private reflectQuickly(hardware: CompressedHardware): boolean {
		if (tryReflect(this.cpu, this.vcpu, hardware, quickReflection) !== undefined) return false;
		this.deliveries++;
		this.idle = false;
		return true;
	}

	/** A guest store to a traced page: that one instruction runs with the store emulated in place, then the run goes on. */
	private traceFault(f: TraceFault): RunOutcome | undefined {
		const { hidden } = this.compressed!;
		hidden.noteTraceFault(f);
		return this.handleExit(hidden.runUntraced(this.runOptions), false) ?? this.reporter.stopAfterEvent();
	}

	/** A guest store to RAM holding code: the translations of that code are gone from the CPU; the cache listing follows. */
	private watchCodeWrites(memory: MonitoredPc['memory'], hardware: CompressedHardware): void {
		const previous = memory.onRamWrite;
		memory.onRamWrite = (address, length) => {
			previous?.(address, length);
			// Not a store the shadow tracing saw (code pages, the debugger, loaders): the shadow tables go stale if it was
			// to a descriptor table (tables somewhere new are found by the next resync, which checks where they are mapped).
			if (hardware.paging.holdsDescriptorTable(address, length)) hardware.markTablesStale();
			this.translationCache.dropPhysical(address, length);
		};
	}

	private registerTranslation(info: TranslatedBlockInfo): TranslatedBlockInfo {
		const counted = this.translationCache.register(info, this.physicalRangesOf(info.start, info.end));
		if (counted === info && this.reporter.listening) {
			const site = { eip: (info.start - this.cpu.seg[Seg.CS].base) >>> 0, linear: info.start };
			this.reporter.emitAt('translation', site, info.guestDisassembly[0]?.split('  ')[1] ?? '', `translated ${info.instructionCount} instructions at ${hex(info.start)} (${info.rewrittenCount} callouts)`, {
				start: info.start, end: info.end, instructions: info.instructionCount, callouts: info.rewrittenCount,
			});
		}
		return counted;
	}

	/** The guest-physical bytes behind a guest linear range, by the guest's own tables (no accessed bits set). */
	private physicalRangesOf(start: number, end: number): PhysicalRange[] {
		const paging = this.compressed?.hardware.paging;
		const ranges: PhysicalRange[] = [];
		for (let at = start; at < end; at = ((at & ~0xfff) >>> 0) + 0x1000) {
			const frame = paging?.guestPhysicalPage(at);
			const pageEnd = Math.min(end, ((at & ~0xfff) >>> 0) + 0x1000);
			if (frame !== undefined) ranges.push([frame + (at & 0xfff), frame + (at & 0xfff) + (pageEnd - at)]);
		}
		return ranges;
	}

	// ---- software interrupts (INT n, INT3, INTO): the CPU exits, the monitor delivers ----------

	private softwareInterrupt(exit: CpuExit & { kind: 'software-interrupt' }, resumed: boolean): RunOutcome | undefined {
		const { vector, returnEip } = exit;
		// The state shown and used for a delivery fault is that at the INT instruction, not yet retired.
		if (!resumed) {
			this.cpu.eip = exit.eip;
			this.cpu.instructionCount--;
		}
		if (!resumed && this.reporter.listening) {
			const text = vector === 3 ? 'int3' : `int ${hex(vector, 2)}`;
			const where = this.mode === 'native' ? 'the IDT' : 'the guest IDT';
			if (this.reporter.emit('guest-exception', text, `delivering INT ${hex(vector, 2)} through ${where}`, { vector, errorCode: -1 })) return this.stopBefore(exit);
		}
		if (this.mode !== 'native') return this.reflectInto({ vector, source: 'software', returnEip }, true);
		return this.deliverHardware(() => this.cpu.deliverInterrupt(vector, 'software', undefined, returnEip), true);
	}

	/** A listener asked to stop before the monitor acts on `exit`: the next run acts on it first. */
	private stopBefore(exit: CpuExit): RunOutcome {
		this.pending = { kind: 'exit', exit };
		return this.reporter.eventOutcome();
	}

	// ---- native mode ---------------------------------------------------------------------------

	private deliverNative(exit: CpuExit, e: CpuException, resumed: boolean): RunOutcome | undefined {
		if (!resumed && this.reporter.listening && this.reporter.emit('guest-exception', this.faultingInstructionText(), `delivered ${VECTOR_NAMES[e.vector] ?? `vector ${e.vector}`} through the IDT`, faultDetail(e))) {
			return this.stopBefore(exit);
		}
		if (e.vector === Vector.PF && e.faultAddress !== undefined) this.cpu.cr2 = e.faultAddress;
		return this.deliverHardware(() => this.cpu.deliverInterrupt(e.vector, 'fault', e.errorCode), false);
	}

	/** A delivery by the hardware itself; a failure to deliver #DF stops the machine. */
	/** `deliver` says whether its event was delivered itself; INT n retires only then (not when its delivery faulted). */
	private deliverHardware(deliver: () => boolean, retires: boolean): RunOutcome | undefined {
		const fromCpl = this.cpu.cpl;
		let delivered: boolean;
		try {
			delivered = deliver();
		} catch (error) {
			if (error instanceof TripleFault) return this.tripleFault(error.message);
			throw error;
		}
		if (retires && delivered) this.cpu.instructionCount++;
		this.idle = false;
		this.vcpu.cpl = this.cpu.cpl;
		if (fromCpl !== this.cpu.cpl && this.reporter.listening) this.reporter.emit('ring-change', '', `ring ${fromCpl} -> ${this.cpu.cpl}`, { from: fromCpl, to: this.cpu.cpl });
		return this.reporter.stopAfterEvent();
	}

	// ---- compressed modes: trap, emulate or reflect --------------------------------------------

	private handleGuestTrap(exit: CpuExit, e: CpuException, resumed: boolean): RunOutcome | undefined {
		const { hardware, hidden, emulation } = this.compressed!;
		const fromCallout = emulation.takeCalloutFault(e);
		if (e.vector === Vector.GP && !fromCallout) {
			let ins: GuestInstruction | undefined;
			try {
				ins = this.trappedInstructions.decode(this.cpu, currentLinear(this.cpu), this.cpu.eip);
			} catch (fetchError) {
				if (!(fetchError instanceof CpuException)) throw fetchError;
			}
			const entry = ins && lookupCode(ins.code);
			if (ins && entry) {
				const trapped = emulation.trap(ins, entry, resumed);
				if (trapped === 'emulated') return this.reporter.stopAfterEvent();
				if (trapped === STOP) return this.stopBefore(exit);
				if (trapped instanceof CpuException) return this.reflectFault(trapped, true);
			}
		}
		if (!fromCallout && hidden.mayBeTruncated(e)) {
			const retried = hidden.retryWithGuestLimits();
			return retried && (this.handleExit(retried, false) ?? this.reporter.stopAfterEvent());
		}
		if ((e.vector === Vector.NP || e.vector === Vector.SS) && !fromCallout && hardware.shadow.isAccessPending(e.errorCode ?? 0)) {
			try {
				return hidden.firstDescriptorLoad(e.errorCode ?? 0);
			} catch (fault) {
				// Setting the accessed bit faulted (a read-only descriptor table): the guest's fault, at the load.
				if (!(fault instanceof CpuException)) throw fault;
				return this.reflectFault(fault, resumed, exit);
			}
		}
		if (e.vector === Vector.NP && !fromCallout) this.refuseUnsupported(e.errorCode ?? 0);
		return this.reflectFault(e, resumed, exit);
	}

	/**
	 * A #NP from the hardware loading what compression keeps not present so
	 * that it cannot be used behind the monitor's back (code of ring 1 or 2, a
	 * call gate): the unsupported-guest stop.
	 */
	private refuseUnsupported(errorCode: number): void {
		if ((errorCode & 3) !== 0) return;
		let d: SegmentDescriptor;
		try {
			d = this.compressed!.hardware.descriptors.lookup(this.cpu, this.vcpu, errorCode).guest;
		} catch (e) {
			if (e instanceof CpuException) return;
			throw e;
		}
		if (!d.present) return;
		if (entersMiddleRing(d)) throw middleRing(errorCode, d.dpl);
		if (isCallGate(d)) throw callGate(errorCode);
	}

	private reflectFault(e: CpuException, resumed: boolean, exit?: CpuExit): RunOutcome | undefined {
		if (!resumed && exit && this.reporter.listening && this.reporter.emit('guest-exception', this.faultingInstructionText(), `reflecting ${VECTOR_NAMES[e.vector] ?? `vector ${e.vector}`} through the guest IDT`, faultDetail(e))) {
			return this.stopBefore(exit);
		}
		if (e.vector === Vector.PF && e.faultAddress !== undefined) this.vcpu.cr2 = this.cpu.cr2 = e.faultAddress;
		// The single-step trap's DR6.BS, which the hardware set in its own DR6, belongs in the guest's.
		if (e.vector === Vector.DB) {
			this.vcpu.dr[6] |= this.cpu.dr[6] & Dr6.BS;
			this.cpu.dr[6] &= ~Dr6.BS;
		}
		return this.reflectInto({ vector: e.vector, source: 'fault', errorCode: hasErrorCode(e.vector) ? e.errorCode ?? 0 : undefined, returnEip: this.cpu.eip }, false);
	}

	/** Reflection through the guest's IDT (escalating-reflection.ts); a triple fault stops the machine. */
	private reflectInto(r: Reflection, retires: boolean): RunOutcome | undefined {
		const fromCpl = this.vcpu.cpl;
		const result = reflectEscalating(this.cpu, this.vcpu, this.compressed!.hardware, r);
		if (result.tripleFault !== undefined) return this.tripleFault(result.tripleFault);
		this.idle = false;
		if (fromCpl !== this.vcpu.cpl && this.reporter.listening) this.reporter.emit('ring-change', '', `guest ring ${fromCpl} -> ${this.vcpu.cpl} (real ring ${this.cpu.cpl})`, { from: fromCpl, to: this.vcpu.cpl });
		// INT n retires when its own delivery succeeded, not when a fault of that delivery was reflected instead.
		if (retires && result.delivered) this.cpu.instructionCount++;
		return this.reporter.stopAfterEvent();
	}

	// ---- interrupts, idling, exits -------------------------------------------------------------

	private interruptsEnabled(): boolean {
		return guestInterruptsEnabled(this.cpu, this.vcpu, this.mode === 'native');
	}

	private deliverExternal(vector: number, resumed: boolean): RunOutcome | undefined {
		this.deliveries++;
		if (!resumed && this.reporter.listening && this.reporter.emit('interrupt', '', `delivering external interrupt vector ${vector}`, { vector })) {
			this.pending = { kind: 'interrupt', vector };
			return this.reporter.eventOutcome();
		}
		if (this.mode === 'native') return this.deliverHardware(() => this.cpu.deliverInterrupt(vector, 'external'), false);
		return this.reflectInto({ vector, source: 'external', returnEip: this.cpu.eip }, false);
	}

	/**
	 * Instructions until a device next needs attention: a run stops there, so a
	 * timer fires at its virtual time however rarely the guest leaves the CPU.
	 */
	private untilNextDeadline(): number {
		const deadline = this.pc.clock.nextDeadline();
		return deadline === undefined ? Number.MAX_SAFE_INTEGER : Math.max(1, deadline - this.pc.clock.now());
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
		const event = this.reporter.event('triple-fault', { eip: this.cpu.eip, linear: currentLinear(this.cpu) }, '', `${message}; the machine stops`);
		if (this.reporter.listening) this.reporter.stream.emit(event);
		return { reason: 'triple-fault', event };
	}

	private noticeRingChange(): void {
		const now = this.mode === 'native' ? this.cpu.cpl : virtualRing(this.cpu.cpl);
		if (now === this.vcpu.cpl) return;
		const from = this.vcpu.cpl;
		this.vcpu.cpl = now;
		if (this.reporter.listening) this.reporter.emit('ring-change', '', `guest ring ${from} -> ${now} (real ring ${this.cpu.cpl})`, { from, to: now });
	}

	private captureGuestState(): void {
		const { cpu, vcpu } = this;
		vcpu.cpl = cpu.cpl;
		const flags = cpu.getEflags();
		vcpu.interruptFlag = (flags & Flag.IF) !== 0;
		vcpu.iopl = (flags & Flag.IOPL) >>> 12;
		copySystemRegisters(vcpu, cpu);
	}

	// ---- views and state ----------------------------------------------------------------------------

	guestView(): GuestCpuView {
		return buildGuestView(this.cpu, this.vcpu, this.mode === 'native');
	}

	monitorView(): MonitorCpuView {
		const execution = this.pending ? 'monitor' : this.mode === 'binary-translation' && this.vcpu.cpl === 0 ? 'translated' : 'direct';
		const cache = this.translationCache;
		return buildMonitorView(this.cpu, this.mode, execution, { blocks: cache.size, capacity: cache.capacity, flushes: cache.flushes, executions: cache.totalExecutions() }, this.shadowPagingStatistics());
	}

	/** Hidden and true faults so far; undefined in native mode (the hardware walks the guest's tables). */
	shadowPagingStatistics(): ShadowPagingStatistics | undefined {
		const paging = this.compressed?.hardware.paging;
		return paging && { ...paging.statistics };
	}

	/** Guest memory through the guest's paging, for the debugger: undefined when a page is not mapped. No side effects. */
	readGuestLinear(address: LinearAddress, length: number): Uint8Array | undefined {
		return readGuestLinear(this.mode === 'native' ? this.cpu : this.vcpu, this.pc.memory, address, length);
	}

	/** The instruction at CS:EIP as text, for an event about a fault it raised; empty when it cannot be fetched. */
	private faultingInstructionText(): string {
		try {
			return this.trappedInstructions.decode(this.cpu, currentLinear(this.cpu), this.cpu.eip).text;
		} catch (e) {
			if (e instanceof CpuException) return '';
			throw e;
		}
	}

	saveState(): MonitorState {
		return {
			pc: this.pc.saveState(), vcpu: this.vcpu.saveState(), shadow: this.compressed?.hardware.shadow.saveState(),
			idle: this.idle, pending: this.pending && structuredClone(this.pending),
		};
	}

	loadState(state: MonitorState): void {
		this.pc.loadState(state.pc);
		this.vcpu.loadState(state.vcpu);
		this.idle = state.idle;
		this.pending = state.pending;
		this.unsupported = undefined;
		this.translationCache.flush();
		this.compressed?.hardware.restored(state.shadow);
	}
}

export interface MonitorState {
	pc: unknown;
	vcpu: VirtualCpuState;
	shadow?: ReturnType<ShadowTables['saveState']>;
	idle: boolean;
	pending?: PendingAction;
}

/**
 * Exceptions reflected from inside a run without handleExit's questions (see Monitor.reflectedAtOnce),
 * one bit per vector: all but #DB (DR6 moves to the guest's), #TS, #NP, #SS and #GP (emulation, first
 * descriptor loads, truncated limits, refused segments), #DF and reserved vectors.
 */
const QUICK_VECTORS = [Vector.DE, Vector.BP, Vector.OF, Vector.BR, Vector.UD, Vector.NM, Vector.PF, Vector.MF, Vector.AC].reduce((bits, v) => bits | (1 << v), 0);

/** The one reflection reflectedAtOnce describes at a time (reflect keeps nothing of it). */
const quickReflection: Reflection = { vector: 0, source: 'fault', returnEip: 0 };

/** What a guest-exception event says about the fault: its vector, error code (-1 when none) and, for #PF, CR2. */
function faultDetail(e: CpuException): Record<string, number> {
	const detail: Record<string, number> = { vector: e.vector, errorCode: e.errorCode ?? -1 };
	if (e.faultAddress !== undefined) detail.cr2 = e.faultAddress;
	return detail;
}
