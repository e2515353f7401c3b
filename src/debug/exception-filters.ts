// Exception breakpoints are the monitor's event kinds seen by a user: which
// filter an event falls under, and the sentence the stop shows.

import type { MonitorEvent } from '../vmm/events';

export type FilterId = 'privileged' | 'sensitive' | 'guest-exception' | 'interrupt' | 'io' | 'ring-change' | 'block-translated' | 'triple-fault';

export interface FilterInfo {
	filter: FilterId;
	label: string;
	description: string;
	default: boolean;
}

export const EXCEPTION_FILTERS: readonly FilterInfo[] = [
	{ filter: 'privileged', label: 'Privileged instruction trapped', description: 'Stop when guest ring-0 code executes a privileged or IOPL-sensitive instruction the monitor must emulate.', default: false },
	{ filter: 'sensitive', label: 'Sensitive instruction (translated, or a hole)', description: 'Stop at a sensitive but unprivileged instruction: rewritten by the translator, or run with its real ring-1 behaviour under trap-and-emulate.', default: false },
	{ filter: 'guest-exception', label: 'Guest exception', description: 'Stop when an exception is reflected into the guest through its IDT.', default: false },
	{ filter: 'interrupt', label: 'Interrupt delivered', description: 'Stop when a device interrupt is delivered to the guest.', default: false },
	{ filter: 'io', label: 'Port I/O', description: 'Stop at every guest access to an I/O port.', default: false },
	{ filter: 'ring-change', label: 'Ring change', description: 'Stop when the guest\'s virtual privilege level changes.', default: false },
	{ filter: 'block-translated', label: 'Block translated', description: 'Stop when the binary translator puts a new block in its cache.', default: false },
	{ filter: 'triple-fault', label: 'Triple fault', description: 'Stop when the guest cannot deliver a double fault and the machine would reset.', default: true },
];

const FILTER_IDS = new Set<string>(EXCEPTION_FILTERS.map((f) => f.filter));

export function isFilterId(value: string): value is FilterId {
	return FILTER_IDS.has(value);
}

/** Every filter an event falls under (an OUT trap is both `privileged` and `io`). */
export function filtersFor(event: MonitorEvent): FilterId[] {
	switch (event.kind) {
		case 'trap':
		case 'emulation':
			// Port I/O has its own filter (the monitor reports it as an 'io' event too).
			if (event.instructionClass === 'sensitive') return ['sensitive'];
			return isPortIo(event.instruction) ? [] : ['privileged'];
		case 'sensitive':
		case 'hole':
			return ['sensitive'];
		case 'guest-exception':
			return ['guest-exception'];
		case 'interrupt':
			return ['interrupt'];
		case 'io':
			return ['io'];
		case 'ring-change':
			return ['ring-change'];
		case 'translation':
			return ['block-translated'];
		case 'triple-fault':
			return ['triple-fault'];
		// Hidden faults and retranslations are the monitor's own business: listed, never a reason to stop.
		case 'shadow-fault':
		case 'adaptive-retranslation':
		case 'monitor-relocation':
			return [];
	}
}

const isPortIo = (instruction: string): boolean => /^(in|out|insb|insw|insd|outsb|outsw|outsd)\b/i.test(instruction.trim());

const hex = (n: number): string => `0x${(n >>> 0).toString(16).padStart(8, '0')}`;

/** One sentence for the stop: what happened, where, and what the monitor does about it. */
export function describeEvent(event: MonitorEvent, virtualRing: number, realRing: number): string {
	const at = `at ${hex(event.address)}`;
	const ins = event.instruction;
	switch (event.kind) {
		case 'trap':
		case 'emulation': {
			const what = event.instructionClass === 'sensitive' ? 'Sensitive' : event.instructionClass === 'iopl-sensitive' ? 'IOPL-sensitive' : 'Privileged';
			const how = event.kind === 'trap' ? `trapped ${at} at ring ${realRing}` : `${at} left translated code through a callout (virtual ring ${virtualRing}, real ring ${realRing})`;
			return `${what} instruction ${ins} ${how}; the monitor will emulate it: ${event.action}`;
		}
		case 'sensitive':
			return `Sensitive instruction ${ins} ${at} was rewritten by the binary translator: ${event.action}`;
		case 'hole':
			return `Sensitive instruction ${ins} ${at} runs unprivileged at real ring ${realRing} without trapping (a virtualization hole): ${event.action}`;
		case 'guest-exception':
			return `Guest exception ${at}${ins ? ` (${ins})` : ''}: ${event.action}`;
		case 'interrupt':
			return `Interrupt delivered to the guest ${at}: ${event.action}`;
		case 'io':
			return `Port I/O ${ins} ${at}: ${event.action}`;
		case 'ring-change':
			return `Ring change ${at}: ${event.action}`;
		case 'translation':
			return `Block translated ${at}: ${event.action}`;
		case 'triple-fault':
			return `Triple fault ${at}${ins ? ` (${ins})` : ''}: ${event.action}. Continuing ends the session.`;
		case 'shadow-fault':
			return `Hidden page fault ${at}${ins ? ` (${ins})` : ''}: ${event.action}`;
		case 'adaptive-retranslation':
			return `Adaptive retranslation ${at} (${ins}): ${event.action}`;
		case 'monitor-relocation':
			return `Monitor region moved ${at}: ${event.action}`;
	}
}
