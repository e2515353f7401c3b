// The monitor's account of what it did. Every consumer (debug session, CLI
// statistics, views) reads this stream; nothing hooks individual instructions.
// Producers check `events.listening` before building an event, so recording
// costs one branch when nobody listens.

import type { LinearAddress } from '../x86/addresses';
import type { InstructionClass } from '../x86/instruction-table';

/** Every kind of event, in the order views list them. */
export const MONITOR_EVENT_KINDS = [
	'trap',                   // a privileged instruction faulted at real ring 1/3 and was emulated
	'emulation',              // the translator's callout emulated a privileged/sensitive instruction
	'sensitive',              // the translator met a sensitive instruction and rewrote it
	'hole',                   // trap-and-emulate: a sensitive unprivileged instruction ran with its real ring-1 behaviour
	'translation',            // a block was translated into the translation cache
	'ring-change',            // the virtual CPL changed
	'interrupt',              // an external interrupt was delivered to the guest
	'guest-exception',        // an exception that belongs to the guest was reflected through its IDT
	'io',                     // the guest accessed an I/O port
	'triple-fault',           // the guest could not deliver a double fault: the machine stops
	'shadow-fault',           // a hidden fault: a guest store to a traced page (page table, descriptor table), emulated by the monitor
	'adaptive-retranslation', // an instruction that kept causing trace faults was retranslated to a callout
	'monitor-relocation',     // the guest mapped the slot of the monitor's region: the monitor moved its region to a free slot
] as const;

export type MonitorEventKind = typeof MONITOR_EVENT_KINDS[number];

export interface MonitorEvent {
	kind: MonitorEventKind;
	/** Guest instruction count (virtual time) when it happened. */
	time: number;
	/** Guest EIP (offset in CS) of the instruction concerned. */
	eip: number;
	/** Its linear address. */
	address: LinearAddress;
	/** Disassembly of the instruction concerned, NASM syntax; empty for interrupts. */
	instruction: string;
	instructionClass?: InstructionClass;
	/** What the monitor did, in words a user reads in a list: "emulated LGDT: GDTR := 0x00101000/0x17". */
	action: string;
	/** Kind-specific details: vector, error code, port, value, block range, old/new ring... */
	detail?: Readonly<Record<string, number | string | boolean>>;
}

export type MonitorEventListener = (event: MonitorEvent) => void;

export class MonitorEventStream {
	private readonly listeners = new Set<MonitorEventListener>();
	/** True when someone listens: producers test this before building an event (a field: every trap reads it). */
	private someoneListens = false;

	get listening(): boolean {
		return this.someoneListens;
	}

	subscribe(listener: MonitorEventListener): () => void {
		this.listeners.add(listener);
		this.someoneListens = true;
		return () => {
			this.listeners.delete(listener);
			this.someoneListens = this.listeners.size > 0;
		};
	}

	emit(event: MonitorEvent): void {
		for (const listener of this.listeners) listener(event);
	}
}
