// Runs a loaded guest for a debugger or the command line: in slices, so that
// pause and I/O are served between them; with breakpoints, stepping by line or
// instruction, exception breakpoints on monitor events, serial output. No DAP
// types here: the session maps this to the protocol, the CLI to a terminal.

import { keepNewestPerKind } from '../vmm/event-cap';
import { EventEmitter } from 'node:events';
import { linear } from '../x86/addresses';
import { Reg } from '../x86/registers';
import type { MonitorEvent } from '../vmm/events';
import type { SourceLocation } from '../symbols/source-map';
import { describeEvent, filtersFor, type FilterId } from './exception-filters';
import { disassemble } from './disassembler';
import type { GuestMachine, RunResult } from './guest-machine';
import { SerialLineBuffer } from './serial-buffer';

/** Guest instructions per slice: a few milliseconds, so a pause is answered at once. */
const SLICE_INSTRUCTIONS = 200_000;
/** Single steps per slice while stepping by line (each is a full monitor step). */
const STEPS_PER_SLICE = 20_000;
const EVENT_BATCH_MS = 200;
const EVENT_BATCH_CAP = 2_000;
const OUTPUT_FLUSH_MS = 50;

export type StopReason = 'entry' | 'breakpoint' | 'step' | 'pause' | 'exception' | 'idle' | 'limit' | 'unsupported';

export interface StopInfo {
	reason: StopReason;
	description?: string;
	/** For exception stops: the filter and the monitor event that caused it. */
	filter?: FilterId;
	event?: MonitorEvent;
	/** For unsupported-guest stops: the monitor's own words on what it cannot virtualize. */
	monitorMessage?: string;
}

export interface LocatedEvent extends MonitorEvent {
	source?: { path: string };
	line?: number;
}

export interface BreakpointSpec {
	address: number;
	condition?: string;
	hitCondition?: string;
}

export interface RuntimeOptions {
	/** Subscribe to the monitor's event stream (views, exception breakpoints, statistics). */
	observeEvents: boolean;
	/** Stop with reason 'limit' once this many guest instructions have retired. */
	maxInstructions?: number;
}

export interface RuntimeEvents {
	stopped: [StopInfo];
	output: [string];
	exited: [number];
	/** The session cannot go on (continue after a triple fault, a halt forever or an unsupported guest). */
	ended: [string];
	monitorEvents: [LocatedEvent[], number];
	monitorEvent: [MonitorEvent];
}

/** Where a call being stepped over returns to, and the stack it returns with. */
interface ReturnPoint { address: number; esp: number }

type Goal =
	| { kind: 'continue' }
	| { kind: 'line'; over: boolean; from: SourceLocation | undefined; returnTo?: ReturnPoint }
	| { kind: 'out'; esp: number; returnTo?: ReturnPoint };

export class GuestRuntime extends EventEmitter<RuntimeEvents> {
	private state: 'stopped' | 'running' | 'ended' = 'stopped';
	private lastStop: StopInfo | undefined;
	private pauseRequested = false;
	private suppressEventStops = false;
	private stopEvent: { event: MonitorEvent; filter: FilterId } | undefined;
	private readonly enabledFilters = new Set<FilterId>(['triple-fault']);
	private breakpoints = new Map<number, { spec: BreakpointSpec; hits: number }>();
	private instructionBreakpoints = new Map<number, { spec: BreakpointSpec; hits: number }>();
	private batch: LocatedEvent[] = [];
	private trimAt = 2 * EVENT_BATCH_CAP;
	private dropped = 0;
	private lastBatchAt = 0;
	private lastOutputAt = 0;
	/** Whether the last single step executed a near return (step out ends after one). */
	private lastWasReturn = false;
	private readonly serial: SerialLineBuffer;
	/** Evaluates a breakpoint condition; the session provides one that knows expressions. */
	conditionEvaluator: ((condition: string) => boolean) | undefined;

	constructor(readonly machine: GuestMachine, private readonly options: RuntimeOptions) {
		super();
		this.serial = new SerialLineBuffer((text) => this.emit('output', text));
		machine.onSerialOutput((byte) => this.serial.push(byte));
		if (options.observeEvents) machine.events.subscribe((event) => this.onMonitorEvent(event));
	}

	get running(): boolean {
		return this.state === 'running';
	}

	get ended(): boolean {
		return this.state === 'ended';
	}

	get lastStopInfo(): StopInfo | undefined {
		return this.lastStop;
	}

	setExceptionFilters(filters: FilterId[]): void {
		this.enabledFilters.clear();
		for (const f of filters) this.enabledFilters.add(f);
	}

	setSourceBreakpoints(specs: BreakpointSpec[]): void {
		this.breakpoints = new Map(specs.map((spec) => [spec.address >>> 0, { spec, hits: 0 }]));
		this.pushBreakpoints();
	}

	setInstructionBreakpoints(specs: BreakpointSpec[]): void {
		this.instructionBreakpoints = new Map(specs.map((spec) => [spec.address >>> 0, { spec, hits: 0 }]));
		this.pushBreakpoints();
	}

	serialInput(bytes: Uint8Array): void {
		this.machine.serialInput(bytes);
	}

	/** Stops before the first instruction (for stopOnEntry), without running anything. */
	stopAtEntry(): void {
		this.stop({ reason: 'entry' });
	}

	continue(): void {
		this.resume({ kind: 'continue' });
	}

	stepInstruction(): void {
		if (!this.beginResume()) return;
		this.guarded(() => {
			const result = this.stepOnce(true);
			this.state = 'stopped';
			if (!this.handleTerminal(result)) this.stop({ reason: 'step' });
		});
	}

	stepLine(over: boolean): void {
		this.resume({ kind: 'line', over, from: this.location() });
	}

	stepOut(): void {
		this.resume({ kind: 'out', esp: this.esp() });
	}

	pause(): void {
		if (this.state === 'running') this.pauseRequested = true;
		else if (this.state === 'stopped') this.stop({ reason: 'pause' });
	}

	/** Ends the run quietly (terminate, disconnect): no more slices, no more events. */
	dispose(): void {
		this.state = 'ended';
		this.removeAllListeners();
	}

	/** The source line of the current instruction, when the program has a source map. */
	location(address = this.machine.guest().eip): SourceLocation | undefined {
		return this.machine.program.sourceMap?.lineFor(address, 0);
	}

	/** Sends pending events and output now (at a stop, or when the session ends). */
	flush(): void {
		this.serial.flush();
		if (this.batch.length > 0 || this.dropped > 0) {
			const events = this.batch;
			const dropped = this.dropped;
			this.batch = [];
			this.dropped = 0;
			this.emit('monitorEvents', events, dropped);
		}
		this.lastBatchAt = Date.now();
	}

	private pushBreakpoints(): void {
		const all = new Set([...this.breakpoints.keys(), ...this.instructionBreakpoints.keys()]);
		this.machine.setBreakpoints([...all].map(linear));
	}

	private beginResume(): boolean {
		if (this.state === 'ended') return false;
		if (this.state === 'running') return false;
		const last = this.lastStop;
		if (last?.reason === 'exception' && last.filter === 'triple-fault') {
			this.end('The guest triple-faulted: a real PC would reset here, so the session ends.');
			return false;
		}
		if (last?.reason === 'idle') {
			this.end('The guest halted with interrupts disabled or nothing to wake it: the session ends.');
			return false;
		}
		if (last?.reason === 'unsupported') {
			this.end(`Unsupported guest: ${last.monitorMessage ?? 'the monitor cannot virtualize it'}. The session ends.`);
			return false;
		}
		this.state = 'running';
		this.pauseRequested = false;
		this.stopEvent = undefined;
		return true;
	}

	/** A failure inside the monitor ends the session with the reason, instead of leaving it running forever. */
	private guarded(work: () => void): void {
		try {
			work();
		} catch (error) {
			this.end(`Internal error while running the guest: ${error instanceof Error ? error.stack ?? error.message : String(error)}`);
		}
	}

	private resume(goal: Goal): void {
		if (!this.beginResume()) return;
		this.guarded(() => this.resumeFrom(goal));
	}

	private resumeFrom(goal: Goal): void {
		if (this.lastStop === undefined) {
			// First start: a breakpoint on the entry instruction counts.
			const here = this.eip();
			if ((this.breakpoints.has(here) || this.instructionBreakpoints.has(here)) && this.breakpointHit()) {
				this.stop({ reason: 'breakpoint' });
				return;
			}
			setImmediate(() => this.slice(goal));
			return;
		}
		// The instruction we stand on was already reported (breakpoint, or an event
		// whose state is that before the monitor acted): execute it without stopping again.
		if (goal.kind !== 'continue') this.noteCall(goal);
		const first = this.stepOnce(true);
		if (this.handleTerminal(first)) return;
		if (this.stopIfAtBreakpoint()) return;
		if (goal.kind !== 'continue' && !goal.returnTo && this.goalReached(goal, first)) {
			this.state = 'stopped';
			this.stop({ reason: 'step' });
			return;
		}
		setImmediate(() => this.slice(goal));
	}

	private slice(goal: Goal): void {
		if (this.state !== 'running') return;
		this.guarded(() => {
			if (this.pauseRequested) {
				this.state = 'stopped';
				this.stop({ reason: 'pause' });
				return;
			}
			const limit = this.options.maxInstructions;
			if (limit !== undefined && this.machine.instructionCount >= limit) {
				this.state = 'stopped';
				this.stop({ reason: 'limit', description: `Stopped after ${limit} guest instructions (the instruction limit).` });
				return;
			}
			const done = goal.kind === 'continue' ? this.runSlice(limit) : this.stepSlice(goal);
			if (done) return;
			this.periodicFlush();
			setImmediate(() => this.slice(goal));
		});
	}

	/** Runs compiled blocks; true when the run stopped. */
	private runSlice(limit: number | undefined): boolean {
		const budget = limit === undefined ? SLICE_INSTRUCTIONS : Math.min(SLICE_INSTRUCTIONS, limit - this.machine.instructionCount);
		const result = this.machine.run(Math.max(1, budget));
		if (this.handleTerminal(result)) return true;
		if (result.reason === 'breakpoint') {
			const hit = this.breakpointHit();
			if (hit) {
				this.state = 'stopped';
				this.stop({ reason: 'breakpoint' });
				return true;
			}
			// A condition that does not hold: go past the breakpoint and on.
			const past = this.stepOnce(true);
			return this.handleTerminal(past) || this.stopIfAtBreakpoint();
		}
		return false;
	}

	/** Steps one instruction at a time toward a line or function-return goal; true when stopped. */
	private stepSlice(goal: Exclude<Goal, { kind: 'continue' }>): boolean {
		for (let i = 0; i < STEPS_PER_SLICE; i++) {
			if (goal.returnTo) {
				const arrived = this.runToReturn(goal.returnTo);
				if (arrived === 'stopped') return true;
				if (arrived === 'not yet') return false;
				goal.returnTo = undefined;
				if (this.goalReached(goal, { reason: 'budget' })) return this.stopAfterStep();
				continue;
			}
			if (this.noteCall(goal)) {
				const first = this.stepOnce(false);
				if (this.handleTerminal(first)) return true;
				continue;
			}
			const result = this.stepOnce(false);
			if (this.handleTerminal(result)) return true;
			if (this.goalReached(goal, result)) return this.stopAfterStep();
			if (this.stopIfAtBreakpoint()) return true;
		}
		return false;
	}

	/**
	 * After a single step: the monitor's run() leaves a breakpoint it starts on
	 * without stopping, so one we stepped onto must be taken here.
	 */
	private stopIfAtBreakpoint(): boolean {
		if (!this.atUserBreakpoint() || !this.breakpointHit()) return false;
		this.stop({ reason: 'breakpoint' });
		return true;
	}

	/** Calls are run whole (by line when stepping over, always when stepping out): notes where one returns to. */
	private noteCall(goal: Exclude<Goal, { kind: 'continue' }>): boolean {
		if (!(goal.kind === 'out' || goal.over)) return false;
		const eip = this.eip();
		const [ins] = disassemble(this.machine.readLinear(eip, 16), eip, 1);
		if (!ins || !/^Call_(rel|rm)/.test(ins.codeName)) return false;
		goal.returnTo = { address: (eip + ins.bytes.length) >>> 0, esp: this.esp() };
		return true;
	}

	/** One slice of running toward a call's return address with the caller's stack. */
	private runToReturn(target: { address: number; esp: number }): 'arrived' | 'stopped' | 'not yet' {
		const back = (): boolean => this.eip() === target.address && this.esp() >= target.esp;
		if (back()) return 'arrived';
		const user = new Set([...this.breakpoints.keys(), ...this.instructionBreakpoints.keys()]);
		this.machine.setBreakpoints([...user, target.address].map(linear));
		try {
			const result = this.machine.run(SLICE_INSTRUCTIONS);
			if (this.handleTerminal(result)) return 'stopped';
			if (result.reason !== 'breakpoint') return 'not yet';
			if (back()) return 'arrived';
			if (user.has(this.eip()) && this.breakpointHit()) {
				this.state = 'stopped';
				this.stop({ reason: 'breakpoint' });
				return 'stopped';
			}
			// The return address reached by a deeper frame (recursion), or a breakpoint whose condition fails.
			return this.handleTerminal(this.stepOnce(true)) || this.stopIfAtBreakpoint() ? 'stopped' : 'not yet';
		} finally {
			this.pushBreakpoints();
		}
	}

	private stopAfterStep(): boolean {
		this.state = 'stopped';
		this.stop({ reason: 'step' });
		return true;
	}

	private atUserBreakpoint(): boolean {
		const eip = this.eip();
		return this.breakpoints.has(eip) || this.instructionBreakpoints.has(eip);
	}

	private esp(): number {
		return this.machine.guest().regs[Reg.ESP] >>> 0;
	}

	private goalReached(goal: Goal, result: RunResult): boolean {
		if (result.reason === 'event') return false;
		switch (goal.kind) {
			case 'continue':
				return false;
			case 'line': {
				const here = this.location();
				if (!here) return goal.from === undefined || !this.machine.program.sourceMap;
				return !goal.from || here.line !== goal.from.line || here.file !== goal.from.file;
			}
			case 'out':
				return (this.machine.guest().regs[Reg.ESP] >>> 0) > goal.esp && this.lastWasReturn;
		}
	}

	/** One guest instruction; `quiet` ignores exception breakpoints (the instruction was already reported). */
	private stepOnce(quiet: boolean): RunResult {
		const eip = this.eip();
		const [ins] = disassemble(this.machine.readLinear(eip, 16), eip, 1);
		this.suppressEventStops = quiet;
		try {
			const result = this.machine.step();
			this.lastWasReturn = ins !== undefined && /^Ret/.test(ins.codeName);
			return result;
		} finally {
			this.suppressEventStops = false;
		}
	}

	private eip(): number {
		return this.machine.guest().eip >>> 0;
	}

	/** True when the breakpoint at EIP should stop (its condition and hit count hold). */
	private breakpointHit(): boolean {
		const address = this.eip();
		const entries = [this.breakpoints.get(address), this.instructionBreakpoints.get(address)].filter((e) => e !== undefined);
		if (entries.length === 0) return true;
		let stop = false;
		for (const entry of entries) {
			if (entry.spec.condition && !(this.conditionEvaluator?.(entry.spec.condition) ?? true)) continue;
			entry.hits++;
			if (entry.spec.hitCondition && !hitConditionHolds(entry.spec.hitCondition, entry.hits)) continue;
			stop = true;
		}
		return stop;
	}

	/** Exit, triple fault, idle, an unsupported guest, or an exception breakpoint: handles it and returns true. */
	private handleTerminal(result: RunResult): boolean {
		switch (result.reason) {
			case 'exit': {
				this.state = 'ended';
				this.flush();
				this.emit('exited', result.exitCode ?? 1);
				return true;
			}
			case 'triple-fault': {
				this.state = 'stopped';
				const event = this.stopEvent?.event ?? result.event;
				this.stopEvent = undefined;
				this.stop({ reason: 'exception', filter: 'triple-fault', event, description: event ? describeEvent(event, this.machine.guest().cpl, this.machine.hardware().cpl) : 'Triple fault: the guest could not deliver a double fault. Continuing ends the session.' });
				return true;
			}
			case 'idle':
				this.state = 'stopped';
				this.stop({ reason: 'idle', description: 'The guest halted (HLT) with nothing that can wake it: interrupts are disabled or no device will interrupt. Continuing ends the session.' });
				return true;
			case 'unsupported': {
				this.state = 'stopped';
				this.stopEvent = undefined;
				const message = result.message ?? 'the guest did something the monitor cannot virtualize';
				this.stop({ reason: 'unsupported', monitorMessage: message, description: `Unsupported guest: ${message}. Continuing ends the session.` });
				return true;
			}
			case 'event': {
				const pending = this.stopEvent;
				this.stopEvent = undefined;
				if (!pending) return false;
				this.state = 'stopped';
				this.stop({ reason: 'exception', filter: pending.filter, event: pending.event, description: describeEvent(pending.event, this.machine.guest().cpl, this.machine.hardware().cpl) });
				return true;
			}
			default:
				return false;
		}
	}

	private onMonitorEvent(event: MonitorEvent): void {
		this.emit('monitorEvent', event);
		const where = this.location(event.address);
		const located: LocatedEvent = where ? { ...event, source: { path: where.file }, line: where.line } : { ...event };
		this.batch.push(located);
		// Trimmed when it doubles, so trimming costs O(1) per event however many kinds fill it.
		if (this.batch.length > this.trimAt) {
			this.trimBatch();
			this.trimAt = 2 * Math.max(EVENT_BATCH_CAP, this.batch.length);
		}
		if (this.suppressEventStops || this.stopEvent) return;
		const filter = filtersFor(event).find((f) => this.enabledFilters.has(f));
		if (filter) {
			this.stopEvent = { event, filter };
			this.machine.requestStop();
		}
	}

	/** Keeps the newest EVENT_BATCH_CAP events of each kind, so rare ones survive a flood of common ones. */
	private trimBatch(): void {
		const { kept, dropped } = keepNewestPerKind(this.batch, EVENT_BATCH_CAP);
		this.batch = kept;
		this.dropped += dropped;
	}

	private periodicFlush(): void {
		const now = Date.now();
		if (now - this.lastOutputAt >= OUTPUT_FLUSH_MS) {
			this.serial.flush();
			this.lastOutputAt = now;
		}
		if (now - this.lastBatchAt >= EVENT_BATCH_MS && this.batch.length > 0) {
			this.trimBatch();
			this.flush();
		}
	}

	private stop(info: StopInfo): void {
		this.state = 'stopped';
		this.lastStop = info;
		this.trimBatch();
		this.flush();
		this.emit('stopped', info);
	}

	private end(message: string): void {
		this.state = 'ended';
		this.flush();
		this.emit('ended', message);
	}
}

/** `>= N`, `> N`, `== N`, `% N` (every Nth) or a bare `N` (from the Nth hit on). */
export function hitConditionHolds(condition: string, hits: number): boolean {
	const m = /^\s*(>=|>|==|=|%)?\s*(\d+)\s*$/.exec(condition);
	if (!m) return true;
	const n = Number(m[2]);
	switch (m[1]) {
		case '>': return hits > n;
		case '==': case '=': return hits === n;
		case '%': return n > 0 && hits % n === 0;
		default: return hits >= n;
	}
}
