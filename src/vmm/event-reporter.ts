// The monitor's side of its event stream: events are built only while someone
// listens, a listener's request to stop is kept until the monitor acts on it,
// and an event reported just before a stop is not reported again when the
// run resumes at the same instruction.

import { linear, type LinearAddress } from '../x86/addresses';
import type { Cpu } from '../x86/cpu';
import type { InstructionEntry } from '../x86/instruction-table';
import { Seg } from '../x86/registers';
import { MonitorEventStream, type MonitorEvent, type MonitorEventKind } from './events';
import type { RunOutcome } from './run-outcome';

/** Where an instruction is, for events. */
export interface Site {
	eip: number;
	linear: LinearAddress;
}

export type EventDetail = Record<string, number | string | boolean>;

/** What announce returns when a listener asked to stop before the monitor acts. */
export const STOP = 'stop';

/** The linear address of the instruction at CS:EIP. */
export function currentLinear(cpu: Cpu): LinearAddress {
	return linear(cpu.seg[Seg.CS].base + cpu.eip);
}

export class EventReporter {
	readonly stream = new MonitorEventStream();
	/** Set by a listener (through Monitor.requestStop) while it handles an event. */
	stopRequested = false;
	private lastEvent?: MonitorEvent;
	/** An event already reported (the run stopped before its action): its next execution acts without reporting again. */
	private reported?: { time: number; address: number };

	constructor(private readonly cpu: Cpu) {}

	get listening(): boolean {
		return this.stream.listening;
	}

	/** Emits at CS:EIP when someone listens; returns true when a listener asked to stop. */
	emit(kind: MonitorEventKind, instruction: string, action: string, detail?: EventDetail): boolean {
		if (!this.stream.listening) return false;
		this.emitAt(kind, { eip: this.cpu.eip, linear: currentLinear(this.cpu) }, instruction, action, detail);
		return this.stopRequested;
	}

	emitAt(kind: MonitorEventKind, site: Site, instruction: string, action: string, detail?: EventDetail): void {
		const event = this.event(kind, site, instruction, action);
		event.detail = detail;
		this.stream.emit(event);
	}

	/** Emits an event from inside running code, unless it was already reported before a stop; STOP when a listener asked to stop. */
	announce(kind: MonitorEventKind, site: Site, text: string, action: string, entry: InstructionEntry | undefined): MonitorEvent | typeof STOP | undefined {
		if (!this.stream.listening) return undefined;
		const time = this.cpu.instructionCount;
		if (this.reported?.time === time && this.reported.address === site.linear) {
			this.reported = undefined;
			return undefined;
		}
		const event = this.event(kind, site, text, action, entry?.class);
		this.stream.emit(event);
		if (!this.stopRequested) return event;
		this.reported = { time, address: site.linear };
		return STOP;
	}

	/** An event not yet emitted (the caller emits it, and may complete it after acting). */
	event(kind: MonitorEventKind, site: Site, instruction: string, action: string, instructionClass?: MonitorEvent['instructionClass']): MonitorEvent {
		const event: MonitorEvent = { kind, time: this.cpu.instructionCount, eip: site.eip, address: site.linear, instruction, instructionClass, action };
		this.lastEvent = event;
		return event;
	}

	/** The run ends on the last event, whose listener asked to stop. */
	eventOutcome(): RunOutcome {
		this.stopRequested = false;
		return { reason: 'event', event: this.lastEvent };
	}

	/** A stop requested by a listener of an event that needs no pending action (ring changes, I/O, translations). */
	stopAfterEvent(): RunOutcome | undefined {
		if (!this.stopRequested) return undefined;
		return this.eventOutcome();
	}
}
