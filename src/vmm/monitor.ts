// The virtual machine monitor: runs the PC's CPU in slices, takes every exit,
// and decides what the guest sees. Native mode lets the hardware deliver
// everything; the compressed modes run guest ring 0 at real ring 1 on the
// shadow GDT, emulate what traps (or, translated, what the callouts hand over)
// and reflect the rest through the guest's IDT.
//
// Paging: native mode loads the guest's CR3 into the hardware. The compressed
// modes load the monitor's shadow page tables (shadow-paging/): the guest's
// CR0/CR3/CR4 live in the virtual CPU, hidden faults (shadow misses, stores to
// traced pages) are resolved by the monitor, true faults are reflected.

import { linear, type LinearAddress } from '../x86/addresses';
import type { InstructionEmitter } from '../x86/block-compiler';
import type { Cpu } from '../x86/cpu';
import type { DecodedInstruction } from '../x86/decoded-instruction';
import { CpuException, HAS_ERROR_CODE, Vector, VECTOR_NAMES } from '../x86/exceptions';
import { lookupCode, type InstructionEntry } from '../x86/instruction-table';
import { Cr0, Flag, Seg } from '../x86/registers';
import type { Absorbed, RunOptions } from '../x86/run';
import { TripleFault } from '../x86/system/index';
import { copySystemRegisters } from '../x86/system-registers';
import { buildGuestView, buildMonitorView, readGuestLinear } from './cpu-views';
import { compress, decodeSegment, encodeSegment } from './descriptors';
import { emulateInstruction } from './emulation';
import type { MonitorEvent, MonitorEventKind } from './events';
import { MonitorEventStream } from './events';
import { hex } from './format';
import { GuestDescriptorCache } from './guest-descriptors';
import type { GuestInstruction } from './guest-instruction';
import { markGuestAccessed, readGuestDescriptor, realRing, virtualRing } from './guest-state';
import type { CpuExit, MonitoredPc } from './hardware';
import { gatedInterruptLine } from './interrupt-gate';
import { attachMonitorRegion, MonitorRegion } from './monitor-region';
import { relocateIfMapped } from './monitor-relocation';
import { createHoleEmitter, outputExitEmitter } from './native-emitters';
import type { Emulated, EmulationContext } from './privileged-emulation';
import { reflect, type Reflection } from './reflection';
import { MonitorMemory } from './shadow-paging/monitor-memory';
import { ShadowPaging, type ShadowPagingStatistics } from './shadow-paging/shadow-paging';
import { TraceFault } from './shadow-paging/trace-fault';
import { ShadowTables } from './shadow-tables';
import { TranslationCache, type PhysicalRange, type TranslatedBlockInfo } from './translation-cache';
import { mayBeTruncatedAccess, withGuestLimits } from './truncated-access';
import { createTranslator } from './translator';
import { TrappedInstructions } from './trapped-instructions';
import type { GuestCpuView, MonitorCpuView, MonitorMode } from './views';
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

/** Where an instruction is, for events. */
interface Site {
	eip: number;
	linear: LinearAddress;
}

const CONTRIBUTORY = new Set<number>([Vector.DE, Vector.TS, Vector.NP, Vector.SS, Vector.GP]);
const STOP = 'stop';
/** Trace exits from one ring-0 instruction before it is retranslated (adaptive binary translation). */
export const ADAPT_AFTER_TRACE_EXITS = 8;

export class Monitor {
	readonly events = new MonitorEventStream();
	readonly vcpu = new VirtualCpu();
	readonly translationCache: TranslationCache;
	readonly mode: MonitorMode;
	private readonly cpu: Cpu;
	private readonly shadow?: ShadowTables;
	private readonly paging?: ShadowPaging;
	/** Trace exits per guest instruction (linear address), for events and adaptive translation. */
	private readonly traceExits = new Map<number, number>();
	/** Ring-0 instructions retranslated to store to traced pages without exiting. */
	private readonly adapted = new Set<number>();
	private readonly runOptions: RunOptions;
	private breakpoints = new Set<number>();
	private stopRequested = false;
	private lastEvent?: MonitorEvent;
	private pending?: PendingAction;
	/** What an exit absorbed inside the run left for the run's caller. */
	private absorbedOutcome?: RunOutcome;
	private idle = false;
	/** An event already reported (the run stopped before its action): its next execution acts without reporting again. */
	private reported?: { time: number; address: number };
	/** A fault raised by a callout's emulation: the guest's, to reflect as is. */
	private calloutFault?: CpuException;
	/** A #GP or #SS the instruction raised again with the guest's own limits: reflected as is. */
	private guestLimitFault?: CpuException;
	/** One instruction, exceptions returned rather than absorbed. */
	private singleInstruction?: RunOptions;
	/** Set while an exit is handled inside the CPU's run; a retry with the guest's limits then asks to leave the run. */
	private absorbing = false;
	private retryOutsideRun = false;
	/** Decoded #GP sites, so a trap decodes its instruction once per address. */
	readonly trappedInstructions = new TrappedInstructions();
	private context?: EmulationContext;
	/**
	 * What the shadow GDT and the traced descriptor pages were last built
	 * from. A resync finding all of it the same skips the rebuild: a change to
	 * the guest's tables could only come through a traced store, a mapping
	 * change, a write from outside the CPU or a restore, which all show here.
	 */
	private readonly tablesSyncedFrom = { gdtBase: 0, gdtLimit: 0, ldtUsable: false, ldtBase: 0, ldtLimit: 0, mappings: 0 };
	private tablesStale = true;
	/** Guest descriptors that deliveries and IRETs use, valid while the shadow GDT is: cleared on every rebuild. */
	private readonly descriptors = new GuestDescriptorCache();

	constructor(readonly pc: MonitoredPc, options: MonitorOptions) {
		this.mode = options.mode;
		this.cpu = pc.cpu;
		this.translationCache = new TranslationCache(options.translationCacheCapacity, () => this.cpu.invalidateAllBlocks());
		this.captureGuestState();
		// The guest's exit ends the run at the instruction that wrote it.
		pc.debugExit.onExit?.(() => this.cpu.requestExit('guest exit'));
		let ring0: InstructionEmitter | undefined;
		if (this.mode === 'native') {
			this.cpu.interruptLine = pc.pic;
			this.runOptions = { emitterFor: () => outputExitEmitter, absorb: (exit) => this.absorb(exit) };
		} else {
			const memory = new MonitorMemory();
			memory.attachTo(pc.memory);
			const region = new MonitorRegion();
			attachMonitorRegion(this.cpu, region);
			this.shadow = new ShadowTables(memory.region, region);
			const paging = new ShadowPaging(this.cpu, memory, region);
			this.paging = paging;
			this.cpu.pageFaultHandler = (at, write, user) => paging.resolve(at, write, user);
			this.watchCodeWrites(pc.memory);
			this.enterCompressedMode(this.shadow);
			this.cpu.interruptLine = gatedInterruptLine(pc.pic, this.cpu, this.vcpu);
			const compressed = realRing(0);
			if (this.mode === 'binary-translation') {
				ring0 = createTranslator({
					callout: (ins, entry, at) => this.callout(ins, entry, at),
					register: (info) => this.registerTranslation(info),
					isAdapted: (at) => this.adapted.has(at),
					beginDirectStore: () => this.setTraceTrapping(false),
					endDirectStore: () => this.setTraceTrapping(true),
				});
				this.runOptions = { emitterFor: (cpl) => (cpl === compressed ? ring0 : undefined), absorb: (exit) => this.absorb(exit) };
			} else {
				const holes = createHoleEmitter((ins) => this.reportHole(ins));
				this.runOptions = { emitterFor: (cpl) => (cpl === compressed && this.events.listening ? holes : undefined), absorb: (exit) => this.absorb(exit) };
			}
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
		const outcome = this.slice(1, true);
		if (outcome) return outcome;
		return this.cpu.instructionCount > before || !this.idle ? { reason: 'budget' } : { reason: 'idle' };
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
		if (!resuming && this.breakpoints.has(this.currentLinear())) return { reason: 'breakpoint' };
		const exit = this.runGuestCode(Math.min(budget, this.untilNextDeadline()));
		return this.handleExit(exit, false);
	}

	private handleExit(exit: CpuExit, resumed: boolean): RunOutcome | undefined {
		switch (exit.kind) {
			case 'absorbed': {
				const outcome = this.absorbedOutcome;
				this.absorbedOutcome = undefined;
				return outcome ?? this.exitOutcome() ?? this.stopAfterEvent();
			}
			case 'budget': case 'interrupt':
				return this.stopAfterEvent();
			case 'callout-stop':
				return this.exitOutcome() ?? this.stopAfterEvent();
			case 'stop-address':
				return { reason: 'breakpoint' };
			case 'halt':
				this.idle = true;
				return this.stopAfterEvent();
			case 'software-interrupt':
				return this.softwareInterrupt(exit, exit.vector, exit.returnEip, resumed);
			case 'exception':
				if (exit.exception instanceof TraceFault) return this.traceFault(exit.exception);
				return this.mode === 'native' ? this.deliverNative(exit, exit.exception, resumed) : this.handleGuestTrap(exit, exit.exception, resumed);
		}
	}

	/** Runs guest code on the CPU; under shadow paging a store to a traced page exits as a TraceFault. */
	private runGuestCode(budget: number): CpuExit {
		const paging = this.paging;
		if (paging) paging.trapTraces = this.traceStoresExit();
		let exit: CpuExit;
		try {
			exit = this.cpu.run(budget, this.runOptions);
		} finally {
			if (paging) paging.trapTraces = false;
		}
		this.catchUpWithGuestCode();
		return exit;
	}

	/** What guest code may have changed behind the monitor's back: the ring it runs at, its descriptor tables. */
	private catchUpWithGuestCode(): void {
		this.noticeRingChange();
		const paging = this.paging;
		if (paging?.monitorSlotWritten) this.followGuestMappings();
		if (paging?.descriptorTablesWritten) this.resyncTables();
	}

	/**
	 * Exceptions and software interrupts taken inside the CPU's run, without
	 * ending it: exactly what handleExit does, when nothing could make the run
	 * stop first (a listener, a pending action). A trace fault runs an
	 * instruction itself, so it leaves the run; so does anything that leaves
	 * the monitor something to act on (an outcome, HLT, the guest's exit).
	 */
	private absorb(exit: CpuExit & { kind: 'exception' | 'software-interrupt' }): Absorbed {
		if (this.events.listening || this.pending !== undefined) return 'exit';
		if (exit.kind === 'exception' && exit.exception instanceof TraceFault) return 'exit';
		const paging = this.paging;
		if (paging) paging.trapTraces = false;
		this.catchUpWithGuestCode();
		this.absorbing = true;
		const outcome = this.handleExit(exit, false);
		this.absorbing = false;
		if (paging) paging.trapTraces = this.traceStoresExit();
		if (this.retryOutsideRun) {
			this.retryOutsideRun = false;
			return 'exit';
		}
		if (outcome !== undefined) {
			this.absorbedOutcome = outcome;
			return 'end';
		}
		// A request made while the monitor acted (its own store to a traced descriptor table asks the run to
		// stop and look) ends the run here rather than outliving the exit it was made in.
		return this.idle || this.pc.debugExit.exitCode !== undefined || this.cpu.exitRequest !== null ? 'end' : 'continue';
	}

	// ---- hidden faults: stores to traced pages, adaptive retranslation -------------------------

	/**
	 * A guest store to a traced page: the monitor lets that one instruction
	 * run with the store emulated in place (the shadow entries it changes are
	 * dropped first), then goes on. Reported at 1, 2, 4, 8... exits per
	 * instruction so a page-table loop does not flood the stream.
	 */
	private traceFault(f: TraceFault): RunOutcome | undefined {
		const site = { eip: this.cpu.eip, linear: this.currentLinear() };
		const count = (this.traceExits.get(site.linear) ?? 0) + 1;
		this.traceExits.set(site.linear, count);
		const adapt = this.mode === 'binary-translation' && this.vcpu.cpl === 0 && f.traceKind !== 'descriptor-table' && count === ADAPT_AFTER_TRACE_EXITS;
		if ((this.events.listening && (count & (count - 1)) === 0) || adapt) {
			const text = this.instructionText(site.linear);
			if (this.events.listening && (count & (count - 1)) === 0) {
				this.emitAt('shadow-fault', site, text, `hidden fault: store to a traced ${f.traceKind} page (guest-physical ${hex(f.guestPhysical)}), emulated by the monitor; ${count} from this instruction`, {
					trace: f.traceKind, address: f.faultAddress ?? 0, guestPhysical: f.guestPhysical, count,
				});
			}
			if (adapt) this.adapt(site, text);
		}
		const exit = this.runGuestCodeUntraced();
		return this.handleExit(exit, false) ?? this.stopAfterEvent();
	}

	/**
	 * Whether a guest store to a traced page table leaves guest code: it must
	 * when binary translation counts such stores to retranslate the instruction,
	 * or when someone listens for the hidden faults; otherwise the shadow
	 * paging lets the store land in place, which is the same store without the
	 * unwind and the second run of the instruction.
	 */
	private traceStoresExit(): boolean {
		return this.mode === 'binary-translation' || this.events.listening;
	}

	/** One instruction with traced stores emulated in place instead of exiting. */
	private runGuestCodeUntraced(): CpuExit {
		let exit: CpuExit;
		try {
			exit = this.cpu.run(1, this.runOptions);
		} finally {
			// An adapted instruction's epilogue turns trapping back on; the monitor's own stores must not trap.
			this.paging!.trapTraces = false;
		}
		this.noticeRingChange();
		const paging = this.paging!;
		if (paging.monitorSlotWritten) this.followGuestMappings();
		if (paging.descriptorTablesWritten) this.resyncTables();
		return exit;
	}

	/** Adaptive binary translation: the instruction is retranslated to store without the trace exit. */
	private adapt(site: Site, text: string): void {
		this.adapted.add(site.linear);
		this.translationCache.dropContaining(site.linear);
		this.cpu.invalidateAllBlocks();
		if (this.events.listening) {
			this.emitAt('adaptive-retranslation', site, text, `retranslated ${text} after ${ADAPT_AFTER_TRACE_EXITS} trace faults: a callout now performs the traced page-table store directly`, { traceFaults: ADAPT_AFTER_TRACE_EXITS });
		}
	}

	/** Around an adapted instruction's store (which never runs outside guest code): tracing relaxed, the shadow updated in place. */
	private setTraceTrapping(trapping: boolean): void {
		this.paging!.trapTraces = trapping;
	}

	private instructionText(at: LinearAddress): string {
		try {
			return this.trappedInstructions.decode(this.cpu, at, this.cpu.eip).text;
		} catch (e) {
			if (e instanceof CpuException) return '';
			throw e;
		}
	}

	/** A guest store to RAM holding code: the translations of that code are gone from the CPU; the cache listing follows. */
	private watchCodeWrites(memory: MonitoredPc['memory']): void {
		const previous = memory.onRamWrite;
		memory.onRamWrite = (address, length) => {
			previous?.(address, length);
			// Not a store the shadow tracing saw (code pages, the debugger, loaders): it may have been to a descriptor table.
			this.tablesStale = true;
			this.translationCache.dropPhysical(address, length);
		};
	}

	// ---- software interrupts (INT n, INT3, INTO): the CPU exits, the monitor delivers ----------

	private softwareInterrupt(exit: CpuExit, vector: number, returnEip: number, resumed: boolean): RunOutcome | undefined {
		// The state shown and used for a delivery fault is that at the INT instruction, not yet retired.
		if (!resumed) {
			this.cpu.eip = (returnEip - this.softwareInterruptLength(vector, returnEip)) >>> 0;
			this.cpu.instructionCount--;
		}
		if (!resumed && this.events.listening) {
			const text = vector === 3 ? 'int3' : `int ${hex(vector, 2)}`;
			const where = this.mode === 'native' ? 'the IDT' : 'the guest IDT';
			if (this.emit('guest-exception', text, `delivering INT ${hex(vector, 2)} through ${where}`, { vector, errorCode: -1 })) {
				this.pending = { kind: 'exit', exit };
				return this.eventOutcome();
			}
		}
		if (this.mode !== 'native') return this.reflectInto({ vector, source: 'software', returnEip }, true);
		return this.deliverHardware(() => this.cpu.deliverInterrupt(vector, 'software', undefined, returnEip), true);
	}

	/** INT3 and INTO are one byte, INT n two (CD nn); prefixes on them are not looked for. */
	private softwareInterruptLength(vector: number, returnEip: number): number {
		const base = this.cpu.seg[Seg.CS].base;
		try {
			const opcode = this.cpu.readLinear8(linear(base + returnEip - 2), false);
			const operand = this.cpu.readLinear8(linear(base + returnEip - 1), false);
			return opcode === 0xcd && operand === vector ? 2 : 1;
		} catch (e) {
			if (e instanceof CpuException) return 1;
			throw e;
		}
	}

	// ---- native mode ---------------------------------------------------------------------------

	private deliverNative(exit: CpuExit, e: CpuException, resumed: boolean): RunOutcome | undefined {
		if (!resumed && this.events.listening && this.emit('guest-exception', '', `delivered ${VECTOR_NAMES[e.vector] ?? `vector ${e.vector}`} through the IDT`, { vector: e.vector, errorCode: e.errorCode ?? -1 })) {
			this.pending = { kind: 'exit', exit };
			return this.eventOutcome();
		}
		if (e.vector === Vector.PF && e.faultAddress !== undefined) this.cpu.cr2 = e.faultAddress;
		return this.deliverHardware(() => this.cpu.deliverInterrupt(e.vector, 'fault', e.errorCode), false);
	}

	/** A delivery by the hardware itself; a failure to deliver #DF stops the machine. */
	private deliverHardware(deliver: () => void, retires: boolean): RunOutcome | undefined {
		const fromCpl = this.cpu.cpl;
		try {
			deliver();
		} catch (error) {
			if (error instanceof TripleFault) return this.tripleFault(error.message);
			throw error;
		}
		if (retires) this.cpu.instructionCount++;
		this.idle = false;
		this.vcpu.cpl = this.cpu.cpl;
		if (fromCpl !== this.cpu.cpl && this.events.listening) this.emit('ring-change', '', `ring ${fromCpl} -> ${this.cpu.cpl}`, { from: fromCpl, to: this.cpu.cpl });
		return this.stopAfterEvent();
	}

	// ---- compressed modes: trap, emulate or reflect --------------------------------------------

	private handleGuestTrap(exit: CpuExit, e: CpuException, resumed: boolean): RunOutcome | undefined {
		const fromCallout = e === this.calloutFault;
		this.calloutFault = undefined;
		if (e.vector === Vector.GP && !fromCallout) {
			let ins: GuestInstruction | undefined;
			try {
				ins = this.trappedInstructions.decode(this.cpu, this.currentLinear(), this.cpu.eip);
			} catch (fetchError) {
				if (!(fetchError instanceof CpuException)) throw fetchError;
			}
			const entry = ins && lookupCode(ins.code);
			if (ins && entry) {
				const emulation = this.trapAndEmulate(exit, ins, entry, resumed);
				if (emulation !== 'not-emulated') return emulation;
			}
		}
		if (!fromCallout && e !== this.guestLimitFault && mayBeTruncatedAccess(this.cpu, e)) return this.retryWithGuestLimits();
		if ((e.vector === Vector.NP || e.vector === Vector.SS) && !fromCallout && this.shadow?.isAccessPending(e.errorCode ?? 0)) return this.firstDescriptorLoad(e.errorCode ?? 0);
		return this.reflectFault(e, resumed, exit);
	}

	/**
	 * The hardware's first load of a guest descriptor the guest never loaded: its
	 * shadow was kept not present so that the monitor sets the accessed bit in
	 * the guest's GDT, as the hardware would in the guest's own table. The
	 * shadow is rebuilt and the instruction runs again.
	 */
	private firstDescriptorLoad(selector: number): RunOutcome | undefined {
		const d = readGuestDescriptor(this.cpu, this.vcpu, selector);
		markGuestAccessed(this.cpu, this.vcpu, selector, d);
		this.tablesStale = true;
		this.resyncTables();
		if (this.events.listening) {
			this.emit('shadow-fault', this.instructionText(this.currentLinear()), `hidden fault: first load of GDT descriptor ${hex(selector, 4)}; the monitor set its accessed bit in the guest's GDT`, { selector });
		}
		return this.stopAfterEvent();
	}

	/**
	 * A #GP or #SS that a limit cut short of the monitor may explain: the
	 * instruction runs again with the guest's limits (truncated-access.ts).
	 * That runs an instruction, so inside the CPU's run it leaves the run first.
	 */
	private retryWithGuestLimits(): RunOutcome | undefined {
		if (this.absorbing) {
			this.retryOutsideRun = true;
			return undefined;
		}
		this.singleInstruction ??= { emitterFor: this.runOptions.emitterFor };
		const options = this.singleInstruction;
		const paging = this.paging!;
		const retried = withGuestLimits(this.cpu, this.vcpu, paging, () => {
			try {
				return this.cpu.run(1, options);
			} finally {
				paging.trapTraces = false;
			}
		});
		this.catchUpWithGuestCode();
		// The same fault with the guest's own limits is the guest's.
		if (retried.kind === 'exception' && mayBeTruncatedAccess(this.cpu, retried.exception)) this.guestLimitFault = retried.exception;
		return this.handleExit(retried, false) ?? this.stopAfterEvent();
	}

	private trapAndEmulate(exit: CpuExit, ins: GuestInstruction, entry: InstructionEntry, resumed: boolean): RunOutcome | undefined | 'not-emulated' {
		const site = { eip: this.cpu.eip, linear: this.currentLinear() };
		const fromCpl = this.vcpu.cpl;
		const interruptible = this.interruptsEnabled();
		let event: MonitorEvent | undefined;
		if (this.events.listening) {
			// One event per trap, emitted before acting (a listener may stop here); its action is completed with the result.
			event = this.event('trap', site, ins.text, `trapped ${ins.text} at guest ring ${fromCpl}`, entry.class);
			if (!resumed) this.events.emit(event);
			if (this.stopRequested) {
				this.pending = { kind: 'exit', exit };
				return this.eventOutcome();
			}
		}
		let result: Emulated | undefined;
		try {
			result = emulateInstruction(this.emulationContext(), ins);
		} catch (error) {
			if (error instanceof CpuException) return this.reflectFault(error, true);
			throw error;
		}
		if (!result) return 'not-emulated';
		this.completeEmulation(ins, site, result, fromCpl, interruptible, event);
		this.cpu.instructionCount++;
		return this.stopAfterEvent();
	}

	/** After an emulation (the instruction not yet retired): EIP, the STI shadow, the event's outcome, I/O and ring-change events, HLT. */
	private completeEmulation(ins: GuestInstruction, site: Site, result: Emulated, fromCpl: number, interruptible: boolean, event: MonitorEvent | undefined): void {
		if (!result.transferred) this.cpu.eip = (site.eip + ins.length) >>> 0;
		if (ins.code === 'Sti' && !interruptible) this.cpu.interruptsHeldUntil = this.cpu.instructionCount + 2;
		if (event) {
			event.action = result.action;
			event.detail = result.detail;
			if (result.io) this.emitAt('io', site, ins.text, `${result.io.direction} port ${hex(result.io.port, 4)}`, { ...result.io });
		}
		if (fromCpl !== this.vcpu.cpl && this.events.listening) this.emit('ring-change', '', `guest ring ${fromCpl} -> ${this.vcpu.cpl}`, { from: fromCpl, to: this.vcpu.cpl });
		if (result.halt) this.idle = true;
	}

	private reflectFault(e: CpuException, resumed: boolean, exit?: CpuExit): RunOutcome | undefined {
		if (!resumed && exit && this.events.listening && this.emit('guest-exception', '', `reflecting ${VECTOR_NAMES[e.vector] ?? `vector ${e.vector}`} through the guest IDT`, { vector: e.vector, errorCode: e.errorCode ?? -1 })) {
			this.pending = { kind: 'exit', exit };
			return this.eventOutcome();
		}
		if (e.vector === Vector.PF && e.faultAddress !== undefined) this.vcpu.cr2 = this.cpu.cr2 = e.faultAddress;
		return this.reflectInto({ vector: e.vector, source: 'fault', errorCode: HAS_ERROR_CODE.has(e.vector) ? e.errorCode ?? 0 : undefined, returnEip: this.cpu.eip }, false);
	}

	private reflectInto(r: Reflection, retires: boolean): RunOutcome | undefined {
		const delivered = this.deliverToGuest(r);
		if (delivered !== true) return delivered;
		if (retires) this.cpu.instructionCount++;
		return this.stopAfterEvent();
	}

	/**
	 * Reflection with the hardware's escalation: a contributory fault while
	 * delivering one becomes #DF, and a fault delivering #DF a triple fault. A
	 * fault in delivery returns to the instruction at EIP (reflect changes
	 * nothing when it fails).
	 */
	private deliverToGuest(r: Reflection): true | RunOutcome {
		let current = r;
		for (;;) {
			this.resyncTables();
			const fromCpl = this.vcpu.cpl;
			try {
				reflect(this.cpu, this.vcpu, current, this.descriptors);
				this.idle = false;
				if (fromCpl !== this.vcpu.cpl && this.events.listening) this.emit('ring-change', '', `guest ring ${fromCpl} -> ${this.vcpu.cpl} (real ring ${this.cpu.cpl})`, { from: fromCpl, to: this.vcpu.cpl });
				return true;
			} catch (error) {
				if (!(error instanceof CpuException)) throw error;
				if (current.vector === Vector.DF && current.source === 'fault') return this.tripleFault(`triple fault: ${error.message} while delivering #DF`);
				const first = current.vector;
				const exceptional = current.source === 'fault' || current.source === 'trap';
				const escalate = exceptional && (first === Vector.PF ? error.vector === Vector.PF || CONTRIBUTORY.has(error.vector) : CONTRIBUTORY.has(first) && CONTRIBUTORY.has(error.vector));
				if (error.vector === Vector.PF && error.faultAddress !== undefined) this.vcpu.cr2 = this.cpu.cr2 = error.faultAddress;
				current = escalate
					? { vector: Vector.DF, source: 'fault', errorCode: 0, returnEip: this.cpu.eip }
					: { vector: error.vector, source: 'fault', errorCode: HAS_ERROR_CODE.has(error.vector) ? error.errorCode ?? 0 : undefined, returnEip: this.cpu.eip };
			}
		}
	}

	// ---- the translator's callouts and trap-and-emulate's holes --------------------------------

	/** A replaced instruction in translated ring-0 code: performed against the virtual CPU, never trapping. */
	private callout(ins: GuestInstruction, entry: InstructionEntry, site: Site): void {
		const cpu = this.cpu;
		const kind = entry.class === 'sensitive' ? 'sensitive' : 'emulation';
		const event = this.events.listening ? this.announce(kind, site, ins.text, `translated ${ins.text}: calling out to the monitor`, entry) : undefined;
		if (event === STOP) {
			cpu.requestExit('event', { beforeInstruction: true });
			return;
		}
		const fromCpl = this.vcpu.cpl;
		const interruptible = this.interruptsEnabled();
		cpu.eip = site.eip;
		let result: Emulated | undefined;
		const paging = this.paging;
		const trapping = paging?.trapTraces ?? false;
		// The monitor's own stores (a busy bit in the guest GDT, a pushed frame) land in traced pages without exiting.
		if (paging) paging.trapTraces = false;
		try {
			result = emulateInstruction(this.emulationContext(), ins);
			// Every callout form is emulated; one that is not is an encoding the monitor does not model, which the guest sees as #UD.
			if (!result) throw new CpuException(Vector.UD);
		} catch (error) {
			if (error instanceof CpuException) this.calloutFault = error;
			throw error;
		} finally {
			if (paging) paging.trapTraces = trapping;
		}
		if (paging?.descriptorTablesWritten) this.resyncTables();
		this.completeEmulation(ins, site, result, fromCpl, interruptible, event);
		if (result.halt) cpu.requestExit('halt');
	}

	/** Under trap-and-emulate, a sensitive instruction about to run with its real ring-1 behaviour. */
	private reportHole(ins: DecodedInstruction): boolean {
		const entry = lookupCode(ins.codeName);
		const event = this.announce('hole', { eip: ins.eip, linear: ins.linear }, ins.text, `ran natively at real ring 1: ${entry?.virtualization ?? ''}`, entry);
		if (event !== STOP) return true;
		this.cpu.requestExit('event', { beforeInstruction: true });
		return false;
	}

	/** Emits an event from inside running code, unless it was already reported before a stop; STOP when a listener asked to stop. */
	private announce(kind: MonitorEventKind, site: Site, text: string, action: string, entry: InstructionEntry | undefined): MonitorEvent | typeof STOP | undefined {
		if (!this.events.listening) return undefined;
		const time = this.cpu.instructionCount;
		if (this.reported?.time === time && this.reported.address === site.linear) {
			this.reported = undefined;
			return undefined;
		}
		const event = this.event(kind, site, text, action, entry?.class);
		this.events.emit(event);
		if (!this.stopRequested) return event;
		this.reported = { time, address: site.linear };
		return STOP;
	}

	private registerTranslation(info: TranslatedBlockInfo): TranslatedBlockInfo {
		const counted = this.translationCache.register(info, this.physicalRangesOf(info.start, info.end));
		if (counted === info && this.events.listening) {
			const site = { eip: (info.start - this.cpu.seg[Seg.CS].base) >>> 0, linear: info.start };
			this.emitAt('translation', site, info.guestDisassembly[0]?.split('  ')[1] ?? '', `translated ${info.instructionCount} instructions at ${hex(info.start)} (${info.rewrittenCount} callouts)`, {
				start: info.start, end: info.end, instructions: info.instructionCount, callouts: info.rewrittenCount,
			});
		}
		return counted;
	}

	/** The guest-physical bytes behind a guest linear range, by the guest's own tables (no accessed bits set). */
	private physicalRangesOf(start: number, end: number): PhysicalRange[] {
		const ranges: PhysicalRange[] = [];
		for (let at = start; at < end; at = ((at & ~0xfff) >>> 0) + 0x1000) {
			const frame = this.paging?.guestPhysicalPage(at);
			const pageEnd = Math.min(end, ((at & ~0xfff) >>> 0) + 0x1000);
			if (frame !== undefined) ranges.push([frame + (at & 0xfff), frame + (at & 0xfff) + (pageEnd - at)]);
		}
		return ranges;
	}

	// ---- interrupts, idling, exits -------------------------------------------------------------

	private interruptsEnabled(): boolean {
		if (this.mode === 'native' || this.vcpu.cpl !== 0) return (this.cpu.getEflags() & Flag.IF) !== 0;
		return this.vcpu.interruptFlag;
	}

	private deliverExternal(vector: number, resumed: boolean): RunOutcome | undefined {
		if (!resumed && this.events.listening && this.emit('interrupt', '', `delivering external interrupt vector ${vector}`, { vector })) {
			this.pending = { kind: 'interrupt', vector };
			return this.eventOutcome();
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
		const event = this.event('triple-fault', { eip: this.cpu.eip, linear: this.currentLinear() }, '', `${message}; the machine stops`);
		if (this.events.listening) this.events.emit(event);
		return { reason: 'triple-fault', event };
	}

	// ---- events -------------------------------------------------------------------------------

	/** Emits when someone listens; returns true when a listener asked to stop. */
	private emit(kind: MonitorEventKind, instruction: string, action: string, detail?: Record<string, number | string | boolean>): boolean {
		if (!this.events.listening) return false;
		this.emitAt(kind, { eip: this.cpu.eip, linear: this.currentLinear() }, instruction, action, detail);
		return this.stopRequested;
	}

	private emitAt(kind: MonitorEventKind, site: Site, instruction: string, action: string, detail?: Record<string, number | string | boolean>): void {
		const event = this.event(kind, site, instruction, action);
		event.detail = detail;
		this.events.emit(event);
	}

	private event(kind: MonitorEventKind, site: Site, instruction: string, action: string, instructionClass?: MonitorEvent['instructionClass']): MonitorEvent {
		const event: MonitorEvent = { kind, time: this.cpu.instructionCount, eip: site.eip, address: site.linear, instruction, instructionClass, action };
		this.lastEvent = event;
		return event;
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
		if (this.events.listening) this.emit('ring-change', '', `guest ring ${from} -> ${now} (real ring ${this.cpu.cpl})`, { from, to: now });
	}

	// ---- the virtual CPU and the hardware ---------------------------------------------------------

	private currentLinear(): LinearAddress {
		return linear(this.cpu.seg[Seg.CS].base + this.cpu.eip);
	}

	private emulationContext(): EmulationContext {
		this.context ??= {
			cpu: this.cpu, vcpu: this.vcpu, io: this.pc.io,
			resyncTables: () => this.resyncTables(),
			descriptors: this.descriptors,
			invalidatePage: (at) => this.paging ? this.paging.invalidatePage(at) : this.cpu.invlpg(at),
			syncHardwareControl: () => this.syncHardwareControl(),
		};
		return this.context;
	}

	private captureGuestState(): void {
		const { cpu, vcpu } = this;
		vcpu.cpl = cpu.cpl;
		const flags = cpu.getEflags();
		vcpu.interruptFlag = (flags & Flag.IF) !== 0;
		vcpu.iopl = (flags & Flag.IOPL) >>> 12;
		copySystemRegisters(vcpu, cpu);
	}

	private enterCompressedMode(shadow: ShadowTables): void {
		const { cpu, vcpu } = this;
		this.syncHardwareControl();
		this.resyncTables();
		cpu.gdtr = { ...shadow.gdtr };
		cpu.idtr = { ...shadow.idtr };
		cpu.tr = { ...shadow.tr };
		// The caches loaded before the monitor took over (the multiboot start state) are compressed in place.
		for (let s = Seg.ES; s <= Seg.GS; s++) {
			const c = cpu.seg[s];
			if (!c.usable || c.system) continue;
			const d = compress(decodeSegment(encodeSegment({ base: c.base, limit: c.limit, type: c.type, system: false, dpl: c.dpl, present: c.present, big: c.big, granular: c.limit > 0xfffff })), shadow.region.base);
			const selector = s === Seg.CS || s === Seg.SS ? (c.selector & 0xfffc) | realRing(vcpu.cpl) : c.selector;
			cpu.seg[s] = { ...c, selector, dpl: d.dpl, limit: d.limit };
		}
		cpu.cpl = realRing(vcpu.cpl);
		const flags = cpu.getEflags();
		cpu.setEflags((flags & ~(Flag.IOPL | Flag.IF)) | (vcpu.cpl === 0 ? Flag.IF : flags & Flag.IF));
		this.syncHardwareControl();
	}

	/**
	 * When the guest's active page directory maps the slot of the monitor's
	 * region, the region moves to a free slot (monitor-relocation.ts). With no
	 * free slot the run ends with NoFreeMonitorSlot, the monitor unchanged.
	 */
	private followGuestMappings(): void {
		const { shadow, paging } = this;
		if (!shadow || !paging) return;
		paging.monitorSlotWritten = false;
		const moved = relocateIfMapped(this.cpu, this.vcpu, shadow, paging);
		if (moved && this.events.listening) {
			this.emit('monitor-relocation', '', `the guest maps ${hex(moved.from)}-${hex(moved.from + 0x3fffff)}: moved the monitor's region (shadow GDT, IDT, TSS) to ${hex(moved.to)}`, { from: moved.from, to: moved.to });
		}
	}

	private resyncTables(): void {
		const { shadow, paging } = this;
		if (!shadow || !paging) return;
		const { gdtr, ldtr } = this.vcpu;
		const from = this.tablesSyncedFrom;
		// A traced store into a descriptor table leaves the flag set until this rebuild, which clears it.
		if (!this.tablesStale && !paging.descriptorTablesWritten && from.mappings === paging.mappingGeneration
			&& from.gdtBase === gdtr.base && from.gdtLimit === gdtr.limit
			&& from.ldtUsable === ldtr.usable && from.ldtBase === ldtr.base && from.ldtLimit === ldtr.limit) {
			// The shadow TSS is left as it is: its ring-1 stack serves hardware deliveries, and the monitor
			// delivers everything itself (reflect reads the guest's TSS at each one); it follows at rebuilds.
			return;
		}
		paging.descriptorTablesWritten = false;
		this.descriptors.clear();
		shadow.syncGdt(this.cpu, this.vcpu);
		shadow.syncTss(this.cpu, this.vcpu);
		paging.traceDescriptorTables(ldtr.usable ? [gdtr, ldtr] : [gdtr]);
		this.tablesStale = false;
		Object.assign(from, { gdtBase: gdtr.base, gdtLimit: gdtr.limit, ldtUsable: ldtr.usable, ldtBase: ldtr.base, ldtLimit: ldtr.limit, mappings: paging.mappingGeneration });
	}

	/**
	 * The guest's control registers as the hardware must hold them: paging
	 * always on (the shadow identity-maps guest-physical memory while the guest's
	 * is off), CR0.WP always set so traced pages are read-only for ring 1 too,
	 * and CR3 on the shadow of the guest's current address space.
	 */
	private syncHardwareControl(): void {
		const { cpu, vcpu } = this;
		const paging = this.paging!;
		cpu.cr0 = vcpu.cr0 | Cr0.PE | Cr0.PG | Cr0.WP;
		cpu.cr2 = vcpu.cr2;
		cpu.cr4 = vcpu.cr4;
		const pagingChanged = paging.setGuestControl(vcpu);
		// Another address space, or paging turned on: its directory may map the monitor's slot.
		if (pagingChanged) this.followGuestMappings();
		cpu.ldtr = { ...vcpu.ldtr };
		this.shadow?.syncTss(cpu, vcpu);
		if (pagingChanged) cpu.flushTlb();
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
		return this.paging && { ...this.paging.statistics };
	}

	/** Guest memory through the guest's paging, for the debugger: undefined when a page is not mapped. No side effects. */
	readGuestLinear(address: LinearAddress, length: number): Uint8Array | undefined {
		return readGuestLinear(this.mode === 'native' ? this.cpu : this.vcpu, this.pc.memory, address, length);
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
		this.tablesStale = true;
		// The shadows describe the machine before the restore: rebuilt lazily from the restored guest tables.
		if (this.paging) {
			this.paging.reset();
			this.syncHardwareControl();
		}
	}
}

export interface MonitorState {
	pc: unknown;
	vcpu: VirtualCpuState;
	shadow?: ReturnType<ShadowTables['saveState']>;
	idle: boolean;
	pending?: PendingAction;
}
