// Benchmarks one engine: calibration rounds to learn its speed, then the
// measured runs at counts that make every phase last the target time.

import { join } from 'node:path';
import type { Engine } from './engines';
import { assembleFlat, writeGuestVariant, type Assembler, type IterationCounts } from './guest-source';
import { calibrationStep, countsForTarget, markerIntervals, median, netOfBaseline, nsPerIteration, RunError, type CalibrationTargets } from './measure';
import { MARKER_PHASE, PHASES } from './phases';
import { runTimed } from './timed-run';

export interface BenchSettings extends CalibrationTargets {
	/** Counts of the first calibration round: the guest's defaults divided by this. */
	firstRoundDivisor: number;
	calibrationRounds: number;
	measuredRuns: number;
	workDirectory: string;
	assembler: Assembler;
	log: (message: string) => void;
}

export interface MeasuredRun {
	/** ns per iteration, by phase number, marker cost taken out. */
	perIteration: Record<number, number>;
	markerNs: number;
	/** Wall time of the whole engine process, ns from start to exit (boot included). */
	wallNs: number;
}

export interface EngineResult {
	/** The counts of the last measured run. */
	counts: Record<string, number>;
	runs: MeasuredRun[];
	/** Medians over the runs: per iteration as timed, and net of the empty loop where a phase has one. */
	raw: Record<number, number>;
	net: Record<number, number>;
	markerNs: number;
}

const CALIBRATION_TIMEOUT_SECONDS = 180;
/** A measured phase lasting less than target / this, or more than target * this, is re-planned. */
const OFF_TARGET = 2.5;
const MAX_RETARGETS = 3;

let variantSerial = 0;

async function runOnce(engine: Engine, counts: IterationCounts, settings: BenchSettings, timeoutSeconds: number): Promise<MeasuredRun> {
	const name = `${engine.id}-${++variantSerial}`;
	const source = writeGuestVariant(settings.workDirectory, name, counts);
	const binary = join(settings.workDirectory, `${name}.bin`);
	if (engine.needsBinary) assembleFlat(source, binary, settings.assembler);
	const startNs = process.hrtime.bigint();
	const run = await runTimed(engine.command({ source, binary }, timeoutSeconds), timeoutSeconds * 1000 + 5000);
	const wallNs = Number(process.hrtime.bigint() - startNs);
	const context = (): string => {
		const tail = run.lines.slice(-5).map((l) => `  | ${l.text}`).join('\n');
		const stderr = run.stderr.trim().split('\n').slice(-5).map((l) => `  ! ${l}`).join('\n');
		return [tail && `last output:\n${tail}`, stderr && `stderr:\n${stderr}`].filter(Boolean).join('\n');
	};
	if (run.spawnError) throw new RunError(`${engine.id} could not be started: ${run.spawnError}`);
	if (run.timedOut) throw new RunError(`${engine.id} did not finish within ${timeoutSeconds} s\n${context()}`);
	let intervals;
	try {
		intervals = markerIntervals(run.lines);
	} catch (error) {
		throw new RunError(`${engine.id}: ${(error as Error).message} (exit status ${run.exitCode ?? run.signal})\n${context()}`);
	}
	if (run.exitCode !== engine.successExit) throw new RunError(`${engine.id} exited with status ${run.exitCode ?? run.signal}, expected ${engine.successExit}\n${context()}`);
	return { perIteration: Object.fromEntries(nsPerIteration(intervals, counts)), markerNs: intervals.get(MARKER_PHASE) ?? 0, wallNs };
}

function asMap(record: Record<number, number>): Map<number, number> {
	return new Map(Object.entries(record).map(([k, v]) => [Number(k), v]));
}

/** A timeout that allows for a slow start and for phases running up to ten times their planned time. */
function measuredTimeout(settings: BenchSettings): number {
	return Math.ceil(60 + (10 * PHASES.length * settings.phaseNs) / 1e9);
}

export async function benchEngine(engine: Engine, defaults: IterationCounts, settings: BenchSettings): Promise<EngineResult> {
	let counts = new Map([...defaults].map(([define, n]) => [define, Math.max(1, Math.round(n / settings.firstRoundDivisor))]));
	let estimates = new Map<string, number>();
	for (let round = 1; round <= settings.calibrationRounds; round++) {
		settings.log(`${engine.id}: calibration round ${round}`);
		const run = await runOnce(engine, counts, settings, CALIBRATION_TIMEOUT_SECONDS);
		const perIteration = asMap(run.perIteration);
		const step = calibrationStep(counts, perIteration, settings);
		for (const [define, ns] of step.estimates) if (!estimates.has(define)) estimates.set(define, ns);
		const settled = PHASES.every((phase) => estimates.has(phase.countDefine));
		if (settled || round === settings.calibrationRounds) {
			// Phases still too short to trust after the last round: take what was seen, floored so the count stays finite.
			for (const phase of PHASES) {
				if (!estimates.has(phase.countDefine)) estimates.set(phase.countDefine, Math.max(perIteration.get(phase.number) ?? 0, 0.01));
			}
			break;
		}
		counts = step.next;
	}
	let measuredCounts = countsForTarget(estimates, settings.phaseNs);
	const runs: MeasuredRun[] = [];
	let retargets = 0;
	while (runs.length < settings.measuredRuns) {
		settings.log(`${engine.id}: measured run ${runs.length + 1} of ${settings.measuredRuns}`);
		const run = await runOnce(engine, measuredCounts, settings, measuredTimeout(settings));
		// A JIT that was still interpreting during calibration makes the planned
		// counts far off: such a run is calibration, not a result.
		const off = PHASES.filter((phase) => {
			const spent = run.perIteration[phase.number] * (measuredCounts.get(phase.countDefine) ?? 0);
			return spent < settings.phaseNs / OFF_TARGET || spent > settings.phaseNs * OFF_TARGET;
		});
		if (off.length > 0 && retargets < MAX_RETARGETS) {
			retargets++;
			settings.log(`${engine.id}: phases ${off.map((p) => p.number).join(', ')} were far from ${settings.phaseNs / 1e6} ms: counts adjusted, run discarded`);
			for (const phase of off) estimates.set(phase.countDefine, Math.max(run.perIteration[phase.number], 0.01));
			measuredCounts = countsForTarget(estimates, settings.phaseNs);
			continue;
		}
		runs.push(run);
	}
	const raw = new Map(PHASES.map((phase) => [phase.number, median(runs.map((r) => r.perIteration[phase.number]))]));
	return {
		counts: Object.fromEntries(measuredCounts),
		runs,
		raw: Object.fromEntries(raw),
		net: Object.fromEntries(netOfBaseline(raw)),
		markerNs: median(runs.map((r) => r.markerNs)),
	};
}
