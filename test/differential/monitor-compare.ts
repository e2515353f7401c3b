// Runs one generated guest under each monitor mode in-process and says how the
// modes disagree: binary translation must match native exactly (COM1 output
// and final guest view); trap-and-emulate must match native on every line
// completed before its first `hole` event, the point from which it is allowed
// to see its real ring-1 state.

import { assemble } from '../../src/asm/index';
import { loadProgram } from '../../src/machine/loaders/load-program';
import { writeMultibootInfo } from '../../src/machine/loaders/multiboot-info';
import { enterMultibootState } from '../../src/machine/loaders/multiboot-state';
import { Pc } from '../../src/machine/pc';
import { Monitor } from '../../src/vmm/monitor';
import type { MonitorMode } from '../../src/vmm/views';
import { monitorGuestSource, type DumpStyle, type MonitorUnit } from './monitor-guest';

const BUDGET = 2_000_000;

export interface ModeRun {
	mode: MonitorMode;
	/** COM1 output by line, with the virtual time each line ended. */
	lines: { text: string; time: number }[];
	outcome: string;
	/** Final guest view as JSON, or the error the monitor threw. */
	view: string;
	/** Virtual time of the first `hole` event, if any. */
	firstHole?: number;
}

export function runSource(source: string, mode: MonitorMode): ModeRun {
	const result = assemble(source, { file: 'generated.asm' });
	if (!result.ok || result.errors.length > 0) throw new Error(`generated guest does not assemble: ${result.errors.map((e) => `${e.line}: ${e.message}`).join('; ')}`);
	const pc = new Pc({ memoryMiB: 16 });
	const program = loadProgram(pc, { image: result.image, origin: result.origin, symbols: result.symbols, sourceMap: result.sourceMap }, 'assembled');
	enterMultibootState(pc.cpu, program.entry, writeMultibootInfo(pc.memory, '', program.ranges));
	const lines: { text: string; time: number }[] = [];
	let current = '';
	pc.uart.onTransmit((byte) => {
		if (byte !== 10) current += String.fromCharCode(byte);
		else {
			lines.push({ text: current, time: pc.cpu.instructionCount });
			current = '';
		}
	});
	const monitor = new Monitor(pc, { mode });
	let firstHole: number | undefined;
	if (mode === 'trap-and-emulate') monitor.events.subscribe((event) => {
		if (event.kind === 'hole' && firstHole === undefined) firstHole = event.time;
	});
	let outcome: string;
	let view: string;
	try {
		const ran = monitor.run(BUDGET);
		outcome = ran.reason + (ran.exitCode === undefined ? '' : ` ${ran.exitCode}`);
		view = JSON.stringify(monitor.guestView());
	} catch (error) {
		outcome = 'threw';
		view = `threw: ${error instanceof Error ? error.message : String(error)}`;
	}
	if (current !== '') lines.push({ text: current, time: pc.cpu.instructionCount });
	return { mode, lines, outcome, view, firstHole };
}

/** The first disagreement with native, in words, or undefined when the mode agrees. */
export function disagreement(native: ModeRun, other: ModeRun): string | undefined {
	const allowedLines = other.firstHole === undefined ? other.lines.length : other.lines.filter((l) => l.time < other.firstHole!).length;
	const checkAll = other.firstHole === undefined;
	const count = checkAll ? Math.max(native.lines.length, other.lines.length) : Math.min(allowedLines, native.lines.length);
	for (let i = 0; i < count; i++) {
		const expected = native.lines[i]?.text;
		const actual = other.lines[i]?.text;
		if (expected !== actual) return `${other.mode} line ${i + 1}:\n  native: ${expected ?? '(none)'}\n  ${other.mode}: ${actual ?? '(none)'}`;
	}
	if (!checkAll) return undefined;
	if (native.outcome !== other.outcome) return `${other.mode} ended '${other.outcome}', native '${native.outcome}'`;
	if (native.view !== other.view) return `${other.mode} final guest view differs:\n  native: ${native.view}\n  ${other.mode}: ${other.view}`;
	return undefined;
}

export const COMPARED_MODES: readonly MonitorMode[] = ['binary-translation', 'trap-and-emulate'];

/** Trap-and-emulate is compared on the hole-free dump: the full one would make a hole before its first line. */
export const dumpStyleFor = (mode: MonitorMode): DumpStyle => (mode === 'trap-and-emulate' ? 'hole-free' : 'full');

/** The disagreement of `mode` with native on these units, or undefined; throws when native itself does not exit cleanly. */
export function compareUnits(units: readonly MonitorUnit[], mode: MonitorMode): string | undefined {
	const source = monitorGuestSource(units, dumpStyleFor(mode));
	return compareSource(source, mode);
}

export function compareSource(source: string, mode: MonitorMode): string | undefined {
	const native = runSource(source, 'native');
	if (native.outcome !== 'exit 1') throw new Error(`native did not exit cleanly (${native.outcome}): ${native.lines.at(-1)?.text ?? ''}`);
	return disagreement(native, runSource(source, mode));
}

/** Every disagreement of the compared modes with native on these units. */
export function compareModes(units: readonly MonitorUnit[], modes: readonly MonitorMode[] = COMPARED_MODES): string[] {
	return modes.flatMap((mode) => compareUnits(units, mode) ?? []);
}

/**
 * Drops units (keeping the register set-up), then single lines of the units
 * left, while the mode still disagrees with native and native still exits
 * cleanly; a candidate that no longer assembles simply does not fail.
 */
export function minimise(units: readonly MonitorUnit[], mode: MonitorMode): MonitorUnit[] {
	const fails = (candidate: readonly MonitorUnit[]): boolean => {
		try {
			return compareUnits(candidate, mode) !== undefined;
		} catch {
			return false;
		}
	};
	let kept = [...units];
	let chunk = Math.max(1, Math.floor(kept.length / 2));
	while (chunk >= 1) {
		let removedAny = false;
		for (let start = 1; start < kept.length; ) {
			const candidate = [...kept.slice(0, start), ...kept.slice(start + chunk)];
			if (candidate.length < kept.length && fails(candidate)) {
				kept = candidate;
				removedAny = true;
			} else start += chunk;
		}
		if (!removedAny) chunk = Math.floor(chunk / 2);
	}
	for (let u = 1; u < kept.length; u++) {
		for (let line = kept[u].lines.length - 1; line >= 0; line--) {
			const shorter = { ...kept[u], lines: kept[u].lines.filter((_, i) => i !== line) };
			const candidate = kept.map((unit, i) => (i === u ? shorter : unit));
			if (fails(candidate)) kept = candidate;
		}
	}
	return kept;
}
