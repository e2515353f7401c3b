// The Traps view's model, kept free of `vscode` so it can be tested: the monitor
// events received from the adapter, capped per kind, with a filter by kind.

import { keepNewestPerKind } from '../vmm/event-cap';
import { MONITOR_EVENT_KINDS, type MonitorEvent, type MonitorEventKind } from '../vmm/events';

/** A monitor event as the adapter sends it (docs/dap-extensions.md, `ringside/monitorEvents`). */
export interface ReportedEvent extends MonitorEvent {
	source?: { path: string };
	line?: number;
}

export const ALL_EVENT_KINDS: readonly MonitorEventKind[] = MONITOR_EVENT_KINDS;

export class MonitorEventLog {
	private events: ReportedEvent[] = [];
	private hidden = new Set<MonitorEventKind>();
	/** Events the log let go of because of the cap or because the adapter dropped them. */
	dropped = 0;

	/** `capacity`: the most events kept of each kind. */
	constructor(private readonly capacity: number) {}

	/** Takes a `ringside/monitorEvents` body; ignores what is not an event so a bad message cannot break the view. */
	add(body: unknown): void {
		if (typeof body !== 'object' || body === null) return;
		const { events, dropped } = body as { events?: unknown; dropped?: unknown };
		if (typeof dropped === 'number' && dropped > 0) this.dropped += dropped;
		if (!Array.isArray(events)) return;
		for (const e of events) if (isReportedEvent(e)) this.events.push(e);
		const { kept, dropped: excess } = keepNewestPerKind(this.events, this.capacity);
		this.events = kept;
		this.dropped += excess;
	}

	clear(): void {
		this.events = [];
		this.dropped = 0;
	}

	/** Kinds currently shown. */
	get shownKinds(): MonitorEventKind[] {
		return ALL_EVENT_KINDS.filter((k) => !this.hidden.has(k));
	}

	showOnly(kinds: readonly MonitorEventKind[]): void {
		this.hidden = new Set(ALL_EVENT_KINDS.filter((k) => !kinds.includes(k)));
	}

	get filtered(): boolean {
		return this.hidden.size > 0;
	}

	/** Newest first: the event that caused a stop is at the top. */
	visible(): ReportedEvent[] {
		return this.events.filter((e) => !this.hidden.has(e.kind)).reverse();
	}

	countByKind(): Map<MonitorEventKind, number> {
		const counts = new Map<MonitorEventKind, number>();
		for (const e of this.events) counts.set(e.kind, (counts.get(e.kind) ?? 0) + 1);
		return counts;
	}
}

function isReportedEvent(value: unknown): value is ReportedEvent {
	if (typeof value !== 'object' || value === null) return false;
	const e = value as Partial<ReportedEvent>;
	return typeof e.kind === 'string' && (ALL_EVENT_KINDS as readonly string[]).includes(e.kind)
		&& typeof e.address === 'number' && typeof e.action === 'string';
}

export const hex32 = (value: number): string => `0x${(value >>> 0).toString(16).padStart(8, '0')}`;

/** The row text: kind and instruction as the label, address as the description. */
export function eventLabel(e: ReportedEvent): { label: string; description: string } {
	const what = e.instruction ? `${e.kind}: ${e.instruction}` : e.kind;
	return { label: what, description: `${hex32(e.address)} · ${e.action}` };
}
