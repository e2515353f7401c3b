// From timestamped marker lines to nanoseconds per iteration, and the choice
// of iteration counts that makes each phase last long enough to time well on
// an engine whose speed is not known in advance.

import { MAX_COUNT, type IterationCounts } from './guest-source';
import { MARKER_PHASE, PHASES } from './phases';
import type { TimedLine } from './timed-run';

/** A run whose output does not show a complete, successful benchmark. */
export class RunError extends Error {}

const MARKER = /^P(\d+)$/;

/** Nanoseconds between the two "P<n>" lines of every phase, checked complete and ending in "done". */
export function markerIntervals(lines: readonly TimedLine[]): Map<number, number> {
	const started = new Map<number, bigint>();
	const intervals = new Map<number, number>();
	let done = false;
	for (const [index, { text, atNs }] of lines.entries()) {
		if (text.startsWith('FAIL') || text.startsWith('unexpected')) throw new RunError(`the guest reported '${text}' (output line ${index + 1})`);
		if (text === 'done') {
			done = true;
			continue;
		}
		const match = MARKER.exec(text);
		if (!match) continue;
		const phase = Number(match[1]);
		const start = started.get(phase);
		if (intervals.has(phase)) throw new RunError(`marker P${phase} appears more than twice (output line ${index + 1})`);
		if (start === undefined) started.set(phase, atNs);
		else intervals.set(phase, Number(atNs - start));
	}
	for (const phase of [MARKER_PHASE, ...PHASES.map((p) => p.number)]) {
		if (!started.has(phase)) throw new RunError(`phase ${phase} never started: no P${phase} line`);
		if (!intervals.has(phase)) throw new RunError(`phase ${phase} never ended: only one P${phase} line`);
	}
	if (!done) throw new RunError('the guest never printed its final "done" line');
	return intervals;
}

/**
 * Host nanoseconds per iteration of every phase, with the fixed cost of the
 * markers themselves (phase 0) taken out of each interval.
 */
export function nsPerIteration(intervals: ReadonlyMap<number, number>, counts: IterationCounts): Map<number, number> {
	const markerNs = intervals.get(MARKER_PHASE) ?? 0;
	const result = new Map<number, number>();
	for (const phase of PHASES) {
		const interval = intervals.get(phase.number);
		const count = counts.get(phase.countDefine);
		if (interval === undefined || count === undefined) throw new RunError(`no time or count for phase ${phase.number}`);
		result.set(phase.number, (interval - markerNs) / count);
	}
	return result;
}

/** The cost of each operation alone: the empty loop at the same ring subtracted where the phase names one. */
export function netOfBaseline(perIteration: ReadonlyMap<number, number>): Map<number, number> {
	const result = new Map<number, number>();
	for (const phase of PHASES) {
		const raw = perIteration.get(phase.number);
		if (raw === undefined) continue;
		const baseline = phase.baseline === undefined ? 0 : perIteration.get(phase.baseline) ?? 0;
		result.set(phase.number, raw - baseline);
	}
	return result;
}

export function median(values: readonly number[]): number {
	if (values.length === 0) throw new Error('median of no values');
	const sorted = [...values].sort((a, b) => a - b);
	const middle = sorted.length >> 1;
	return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

export interface CalibrationTargets {
	/** A calibration measurement shorter than this is too close to the timer's noise to trust. */
	trustNs: number;
	/** How long each phase of a measured run should last. */
	phaseNs: number;
}

/** Most a count may grow between two calibration rounds: a phase that took ~0 ns says little. */
const MAX_GROWTH = 100;
/** Fewest iterations a measured phase runs, however slow the engine. */
export const MIN_COUNT = 10;

function clampCount(value: number): number {
	return Math.min(MAX_COUNT, Math.max(MIN_COUNT, Math.round(value)));
}

export interface CalibrationStep {
	/** ns per iteration of every phase timed long enough to trust (or already at the largest count). */
	estimates: Map<string, number>;
	/** Counts for the next calibration round: bigger for phases still too short, small for the rest. */
	next: Map<string, number>;
}

/** One round of calibration: which phases are now known, and what to run next for the others. */
export function calibrationStep(counts: IterationCounts, perIteration: ReadonlyMap<number, number>, targets: CalibrationTargets): CalibrationStep {
	const estimates = new Map<string, number>();
	const next = new Map<string, number>();
	for (const phase of PHASES) {
		const count = counts.get(phase.countDefine);
		const ns = perIteration.get(phase.number);
		if (count === undefined || ns === undefined) throw new Error(`no count or time for phase ${phase.number}`);
		const spent = ns * count;
		if (spent >= targets.trustNs || count >= MAX_COUNT) {
			estimates.set(phase.countDefine, ns);
			next.set(phase.countDefine, clampCount(targets.trustNs / Math.max(ns, Number.MIN_VALUE)));
		} else {
			const growth = spent <= 0 ? MAX_GROWTH : Math.min(MAX_GROWTH, Math.ceil((2 * targets.trustNs) / spent));
			next.set(phase.countDefine, clampCount(count * Math.max(2, growth)));
		}
	}
	return { estimates, next };
}

/** Counts that make every phase last about `phaseNs` at the estimated speeds. */
export function countsForTarget(estimates: ReadonlyMap<string, number>, phaseNs: number): Map<string, number> {
	const counts = new Map<string, number>();
	for (const phase of PHASES) {
		const ns = estimates.get(phase.countDefine);
		if (ns === undefined) throw new Error(`no speed estimate for phase ${phase.number} (${phase.label})`);
		counts.set(phase.countDefine, clampCount(phaseNs / Math.max(ns, Number.MIN_VALUE)));
	}
	return counts;
}
