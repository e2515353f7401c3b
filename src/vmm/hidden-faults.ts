// Faults the guest never sees, which the monitor resolves alone: stores to
// traced pages (reported sparingly, and under binary translation a reason to
// retranslate the storing instruction), the first load of a descriptor the
// guest never loaded, and #GP/#SS that only the monitor's truncated limits
// raised. The instruction runs again through the monitor's run loop.

import type { LinearAddress } from '../x86/addresses';
import type { Cpu } from '../x86/cpu';
import { CpuException } from '../x86/exceptions';
import type { CpuExit, RunOptions } from '../x86/run';
import type { CompressedHardware } from './compressed-hardware';
import { currentLinear, type EventReporter, type Site } from './event-reporter';
import { hex } from './format';
import { markGuestAccessed, readGuestDescriptor } from './guest-state';
import type { RunOutcome } from './run-outcome';
import type { TraceFault } from './shadow-paging/trace-fault';
import type { TranslationCache } from './translation-cache';
import type { TrappedInstructions } from './trapped-instructions';
import { mayBeTruncatedAccess, withGuestLimits } from './truncated-access';
import type { MonitorMode } from './views';
import type { VirtualCpu } from './virtual-cpu';

/** Trace exits from one ring-0 instruction before it is retranslated (adaptive binary translation). */
export const ADAPT_AFTER_TRACE_EXITS = 8;

export class HiddenFaults {
	/** Trace exits per guest instruction (linear address), for events and adaptive translation. */
	private readonly traceExits = new Map<number, number>();
	/** Ring-0 instructions retranslated to store to traced pages without exiting. */
	private readonly adapted = new Set<number>();
	/** A #GP or #SS the instruction raised again with the guest's own limits: reflected as is. */
	private guestLimitFault?: CpuException;
	/** One instruction, exceptions returned rather than absorbed. */
	private readonly singleInstruction: RunOptions;
	/** Set while an exit is handled inside the CPU's run; a retry with the guest's limits then asks to leave the run. */
	absorbing = false;
	retryOutsideRun = false;

	constructor(
		private readonly cpu: Cpu,
		private readonly vcpu: VirtualCpu,
		private readonly hardware: CompressedHardware,
		private readonly reporter: EventReporter,
		private readonly mode: MonitorMode,
		private readonly translationCache: TranslationCache,
		private readonly trappedInstructions: TrappedInstructions,
		emitterFor: RunOptions['emitterFor'],
		/** What the monitor does after guest code ran: notice a ring change, follow the guest's stores. */
		private readonly catchUpWithGuestCode: () => void,
	) {
		this.singleInstruction = { emitterFor };
	}

	/**
	 * A guest store to a traced page, before the monitor lets that one
	 * instruction run with the store emulated in place (the shadow entries it
	 * changes are dropped first). Reported at 1, 2, 4, 8... exits per
	 * instruction so a page-table loop does not flood the stream.
	 */
	noteTraceFault(f: TraceFault): void {
		const site = { eip: this.cpu.eip, linear: currentLinear(this.cpu) };
		const count = (this.traceExits.get(site.linear) ?? 0) + 1;
		this.traceExits.set(site.linear, count);
		const adapt = this.mode === 'binary-translation' && this.vcpu.cpl === 0 && f.traceKind !== 'descriptor-table' && count === ADAPT_AFTER_TRACE_EXITS;
		const reported = this.reporter.listening && (count & (count - 1)) === 0;
		if (!reported && !adapt) return;
		const text = this.instructionText(site.linear);
		if (reported) {
			this.reporter.emitAt('shadow-fault', site, text, `hidden fault: store to a traced ${f.traceKind} page (guest-physical ${hex(f.guestPhysical)}), emulated by the monitor; ${count} from this instruction`, {
				trace: f.traceKind, address: f.faultAddress ?? 0, guestPhysical: f.guestPhysical, count,
			});
		}
		if (adapt) this.adapt(site, text);
	}

	/**
	 * Whether a guest store to a traced page table leaves guest code: it must
	 * when binary translation counts such stores to retranslate the instruction,
	 * or when someone listens for the hidden faults; otherwise the shadow
	 * paging lets the store land in place, which is the same store without the
	 * unwind and the second run of the instruction.
	 */
	traceStoresExit(): boolean {
		return this.mode === 'binary-translation' || this.reporter.listening;
	}

	/** One instruction with traced stores emulated in place instead of exiting. */
	runUntraced(options: RunOptions): CpuExit {
		return this.asStoreSite(() => {
			try {
				return this.cpu.run(1, options);
			} finally {
				// An adapted instruction's epilogue turns trapping back on; the monitor's own stores must not trap.
				this.hardware.paging.trapTraces = false;
			}
		});
	}

	/**
	 * Runs the one instruction at CS:EIP (`step`) and catches up with what its
	 * stores did, reporting that (a monitor relocation) at that instruction.
	 */
	private asStoreSite(step: () => CpuExit): CpuExit {
		this.hardware.storeSite = { eip: this.cpu.eip, linear: currentLinear(this.cpu) };
		try {
			const exit = step();
			this.catchUpWithGuestCode();
			return exit;
		} finally {
			this.hardware.storeSite = undefined;
		}
	}

	isAdapted(at: LinearAddress): boolean {
		return this.adapted.has(at);
	}

	/** Around an adapted instruction's store (which never runs outside guest code): tracing relaxed, the shadow updated in place. */
	setTraceTrapping(trapping: boolean): void {
		this.hardware.paging.trapTraces = trapping;
	}

	/** Adaptive binary translation: the instruction is retranslated to store without the trace exit. */
	private adapt(site: Site, text: string): void {
		this.adapted.add(site.linear);
		this.translationCache.dropContaining(site.linear);
		this.cpu.invalidateAllBlocks();
		if (this.reporter.listening) {
			this.reporter.emitAt('adaptive-retranslation', site, text, `retranslated ${text} after ${ADAPT_AFTER_TRACE_EXITS} trace faults: a callout now performs the traced page-table store directly`, { traceFaults: ADAPT_AFTER_TRACE_EXITS });
		}
	}

	/**
	 * The hardware's first load of a guest descriptor the guest never loaded: its
	 * shadow was kept not present so that the monitor sets the accessed bit in
	 * the guest's GDT or LDT, as the hardware would in the guest's own table. The
	 * shadow is rebuilt and the instruction runs again.
	 */
	firstDescriptorLoad(selector: number): RunOutcome | undefined {
		const d = readGuestDescriptor(this.cpu, this.vcpu, selector);
		markGuestAccessed(this.cpu, this.vcpu, selector, d);
		this.hardware.markTablesStale();
		this.hardware.resyncTables();
		if (this.reporter.listening) {
			const table = selector & 4 ? 'LDT' : 'GDT';
			this.reporter.emit('shadow-fault', this.instructionText(currentLinear(this.cpu)), `hidden fault: first load of ${table} descriptor ${hex(selector, 4)}; the monitor set its accessed bit in the guest's ${table}`, { selector });
		}
		return this.reporter.stopAfterEvent();
	}

	/** A #GP or #SS that a limit cut short of the monitor may explain, and that the guest's own limits did not raise. */
	mayBeTruncated(e: CpuException): boolean {
		return e !== this.guestLimitFault && mayBeTruncatedAccess(this.cpu, e);
	}

	/**
	 * The instruction runs again with the guest's limits (truncated-access.ts).
	 * That runs an instruction, so inside the CPU's run it asks to leave the
	 * run first and returns undefined.
	 */
	retryWithGuestLimits(): CpuExit | undefined {
		if (this.absorbing) {
			this.retryOutsideRun = true;
			return undefined;
		}
		const options = this.singleInstruction;
		const paging = this.hardware.paging;
		const retried = this.asStoreSite(() => withGuestLimits(this.cpu, this.vcpu, paging, () => {
			try {
				return this.cpu.run(1, options);
			} finally {
				paging.trapTraces = false;
			}
		}));
		// The same fault with the guest's own limits is the guest's.
		if (retried.kind === 'exception' && mayBeTruncatedAccess(this.cpu, retried.exception)) this.guestLimitFault = retried.exception;
		return retried;
	}

	instructionText(at: LinearAddress): string {
		try {
			return this.trappedInstructions.decode(this.cpu, at, this.cpu.eip).text;
		} catch (e) {
			if (e instanceof CpuException) return '';
			throw e;
		}
	}
}
