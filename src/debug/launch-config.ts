// The launch attributes a client may send, checked before anything is loaded:
// a typo in a launch.json must name the attribute, not fail somewhere deeper.

import type { MonitorMode } from '../vmm/views';

export type Virtualization = MonitorMode;
export const VIRTUALIZATIONS: readonly Virtualization[] = ['binary-translation', 'trap-and-emulate', 'native'];

export const DEFAULT_MEMORY_MIB = 32;
export const MAX_MEMORY_MIB = 1024;

export interface LaunchConfig {
	program: string;
	virtualization: Virtualization;
	stopOnEntry: boolean;
	memoryMiB: number;
	serialInput: string;
	trace: boolean;
}

export class LaunchConfigError extends Error {}

export function isVirtualization(value: unknown): value is Virtualization {
	return typeof value === 'string' && (VIRTUALIZATIONS as readonly string[]).includes(value);
}

export function parseMemoryMiB(value: unknown, what: string): number {
	const n = typeof value === 'string' && /^\d+$/.test(value.trim()) ? Number(value) : value;
	if (typeof n !== 'number' || !Number.isInteger(n) || n < 1 || n > MAX_MEMORY_MIB) {
		throw new LaunchConfigError(`${what} must be a whole number of MiB from 1 to ${MAX_MEMORY_MIB} (got ${JSON.stringify(value)})`);
	}
	return n;
}

/** Validates raw launch arguments (a JSON object from the client). */
export function parseLaunchConfig(args: Record<string, unknown>): LaunchConfig {
	const { program, virtualization = 'binary-translation', stopOnEntry = false, memory = DEFAULT_MEMORY_MIB, serialInput = '', trace = false } = args;
	if (typeof program !== 'string' || program.trim() === '') {
		throw new LaunchConfigError('the launch attribute "program" is required: the path of a .asm file, an ELF32 multiboot kernel or a flat binary');
	}
	if (!isVirtualization(virtualization)) {
		throw new LaunchConfigError(`"virtualization" must be one of ${VIRTUALIZATIONS.map((v) => `'${v}'`).join(', ')} (got ${JSON.stringify(virtualization)})`);
	}
	if (typeof stopOnEntry !== 'boolean') throw new LaunchConfigError(`"stopOnEntry" must be true or false (got ${JSON.stringify(stopOnEntry)})`);
	if (typeof serialInput !== 'string') throw new LaunchConfigError(`"serialInput" must be a string (got ${JSON.stringify(serialInput)})`);
	if (typeof trace !== 'boolean') throw new LaunchConfigError(`"trace" must be true or false (got ${JSON.stringify(trace)})`);
	return { program, virtualization, stopOnEntry, memoryMiB: parseMemoryMiB(memory, '"memory"'), serialInput, trace };
}
