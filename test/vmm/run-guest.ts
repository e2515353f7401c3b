// Runs an example guest headless, the way the debugger boots one: assemble,
// load as multiboot, enter the multiboot state, put a Monitor in charge, feed
// COM1 its input file, and collect what the guest writes to COM1.

import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { assemble } from '../../src/asm/index';
import { loadProgram } from '../../src/machine/loaders/load-program';
import { writeMultibootInfo } from '../../src/machine/loaders/multiboot-info';
import { enterMultibootState } from '../../src/machine/loaders/multiboot-state';
import { Pc } from '../../src/machine/pc';
import type { MonitorEvent } from '../../src/vmm/events';
import { Monitor, type RunOutcome } from '../../src/vmm/monitor';
import type { MonitorMode } from '../../src/vmm/views';

export interface BootedGuest {
	pc: Pc;
	monitor: Monitor;
	/** Address of a label of the guest's source. */
	symbol(name: string): number;
	/** Everything the guest has written to COM1 so far. */
	serial(): string;
	/** The COM1 output by line, with the virtual time each line was completed. */
	serialLines(): { text: string; time: number }[];
}

export function bootGuest(path: string, mode: MonitorMode, options: { translationCacheCapacity?: number } = {}): BootedGuest {
	const result = assemble(readFileSync(path, 'utf8'), { file: path, readFile: (included) => readFileSync(included, 'utf8') });
	if (!result.ok || result.errors.length > 0) throw new Error(`${path}: ${result.errors.map((e) => `${e.line}: ${e.message}`).join('; ')}`);
	const pc = new Pc({ memoryMiB: 16 });
	const program = loadProgram(pc, { image: result.image, origin: result.origin, symbols: result.symbols, sourceMap: result.sourceMap }, 'assembled');
	enterMultibootState(pc.cpu, program.entry, writeMultibootInfo(pc.memory, '', program.ranges));
	const bytes: number[] = [];
	const times: number[] = [];
	pc.uart.onTransmit((b) => {
		bytes.push(b);
		times.push(pc.cpu.instructionCount);
	});
	const serialLines = (): { text: string; time: number }[] => {
		const lines: { text: string; time: number }[] = [];
		let start = 0;
		for (let i = 0; i <= bytes.length; i++) {
			if (i < bytes.length && bytes[i] !== 10) continue;
			if (i > start || i < bytes.length) lines.push({ text: Buffer.from(bytes.slice(start, i)).toString('latin1'), time: times[Math.max(start, i - 1)] ?? pc.cpu.instructionCount });
			start = i + 1;
		}
		return lines;
	};
	const input = path.replace(/\.asm$/, '.input.txt');
	if (existsSync(input)) pc.uart.receive(readFileSync(input));
	const monitor = new Monitor(pc, { mode, ...options });
	const symbol = (name: string): number => {
		const found = program.symbols.lookup(name);
		if (!found) throw new Error(`${path} has no label ${name}`);
		return found.address;
	};
	return { pc, monitor, symbol, serialLines, serial: () => Buffer.from(bytes).toString('latin1') };
}

export interface GuestRun extends BootedGuest {
	outcome: RunOutcome;
	/** Events seen, when `record` was asked for. */
	events: MonitorEvent[];
	/** Guest instructions retired. */
	instructions: number;
	/** Wall-clock milliseconds of the run. */
	milliseconds: number;
}

/** Runs until the guest exits, idles, triple-faults or uses `budget` instructions. */
export function runGuest(path: string, mode: MonitorMode, options: { budget?: number; record?: boolean } = {}): GuestRun {
	const booted = bootGuest(path, mode);
	const events: MonitorEvent[] = [];
	if (options.record) booted.monitor.events.subscribe((e) => events.push(e));
	const started = performance.now();
	const outcome = booted.monitor.run(options.budget ?? 20_000_000);
	const milliseconds = performance.now() - started;
	return { ...booted, outcome, events, instructions: booted.pc.cpu.instructionCount, milliseconds };
}

const EXAMPLES = join(__dirname, '../../examples');

/** Every example guest with a QEMU reference output: the demo and examples/tests/*.asm. */
export function exampleGuests(): { name: string; path: string; expected: string }[] {
	const guests = [{ name: 'demo', path: join(EXAMPLES, 'demo/kernel.asm'), expectedPath: join(EXAMPLES, 'demo/expected-output.txt') }];
	for (const file of readdirSync(join(EXAMPLES, 'tests')).sort()) {
		if (!file.endsWith('.asm')) continue;
		const path = join(EXAMPLES, 'tests', file);
		guests.push({ name: file.replace(/\.asm$/, ''), path, expectedPath: path.replace(/\.asm$/, '.expected.txt') });
	}
	return guests.filter((g) => existsSync(g.expectedPath)).map((g) => ({ name: g.name, path: g.path, expected: readFileSync(g.expectedPath, 'latin1') }));
}

/** Guests that never exit: a budget ends them (they idle or spin). */
export const FOREVER_BUDGET = 2_000_000;
export const budgetFor = (name: string): number => (name.endsWith('-forever') ? FOREVER_BUDGET : 20_000_000);
