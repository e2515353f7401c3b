import { test } from 'node:test';
import assert from 'node:assert/strict';
import { calibrationStep, countsForTarget, markerIntervals, median, MIN_COUNT, netOfBaseline, nsPerIteration, RunError } from '../../bench/harness/measure';
import { MAX_COUNT } from '../../bench/harness/guest-source';
import { EMPTY_RING0, EMPTY_RING3, MARKER_PHASE, PHASES } from '../../bench/harness/phases';
import type { TimedLine } from '../../bench/harness/timed-run';

/** A complete, successful output: phase n takes (n + 1) ms, the markers alone 1 us. */
function completeOutput(): TimedLine[] {
	const lines: TimedLine[] = [{ text: 'nanobench', atNs: 0n }];
	let now = 1_000n;
	lines.push({ text: 'P0', atNs: now }, { text: 'P0', atNs: now + 1_000n });
	for (const phase of PHASES) {
		now += 10_000n;
		lines.push({ text: `P${phase.number}`, atNs: now });
		now += BigInt(phase.number + 1) * 1_000_000n;
		lines.push({ text: `P${phase.number}`, atNs: now });
	}
	lines.push({ text: 'done', atNs: now + 5n });
	return lines;
}

test('markerIntervals pairs the two lines of each phase', () => {
	const intervals = markerIntervals(completeOutput());
	assert.equal(intervals.get(MARKER_PHASE), 1_000);
	for (const phase of PHASES) assert.equal(intervals.get(phase.number), (phase.number + 1) * 1_000_000);
});

test('markerIntervals rejects an incomplete or failed run, saying why', () => {
	const noDone = completeOutput().filter((l) => l.text !== 'done');
	assert.throws(() => markerIntervals(noDone), (e: Error) => e instanceof RunError && /done/.test(e.message));

	const oneEnd = completeOutput();
	oneEnd.splice(oneEnd.map((l) => l.text).lastIndexOf('P7'), 1);
	assert.throws(() => markerIntervals(oneEnd), /phase 7 never ended/);

	const failed = completeOutput();
	failed.splice(5, 0, { text: 'FAIL 6', atNs: 0n });
	assert.throws(() => markerIntervals(failed), /reported 'FAIL 6' \(output line 6\)/);

	const tripled = completeOutput();
	tripled.push({ text: 'P3', atNs: 99n });
	assert.throws(() => markerIntervals(tripled), /P3 appears more than twice/);
});

test('nsPerIteration takes the marker cost out and divides by the count', () => {
	const intervals = new Map([[MARKER_PHASE, 500], ...PHASES.map((p): [number, number] => [p.number, 10_500])]);
	const counts = new Map(PHASES.map((p): [string, number] => [p.countDefine, p.number === 1 ? 100 : 1000]));
	const ns = nsPerIteration(intervals, counts);
	assert.equal(ns.get(1), 100);
	assert.equal(ns.get(2), 10);
});

test('netOfBaseline subtracts the empty loop of the same ring, and only where a phase names one', () => {
	const raw = new Map(PHASES.map((p): [number, number] => [p.number, 100]));
	raw.set(EMPTY_RING0, 4);
	raw.set(EMPTY_RING3, 7);
	const net = netOfBaseline(raw);
	assert.equal(net.get(1), 100, 'ALU ring 3: reported with its loop');
	assert.equal(net.get(3), 93, 'int 0x80 from ring 3: minus the ring-3 loop');
	assert.equal(net.get(4), 96, 'in: minus the ring-0 loop');
	assert.equal(net.get(EMPTY_RING0), 4);
});

test('median of odd and even counts', () => {
	assert.equal(median([5, 1, 3]), 3);
	assert.equal(median([4, 1, 3, 2]), 2.5);
	assert.throws(() => median([]));
});

test('calibrationStep trusts long phases and grows short ones', () => {
	const counts = new Map(PHASES.map((p): [string, number] => [p.countDefine, 1000]));
	const perIteration = new Map(PHASES.map((p): [number, number] => [p.number, p.number === 5 ? 100_000 : 10]));
	perIteration.set(9, -3);	// timer noise larger than the phase
	const step = calibrationStep(counts, perIteration, { trustNs: 20e6, phaseNs: 400e6 });
	assert.deepEqual([...step.estimates.keys()], ['N_CR3'], 'only phase 5 ran long enough (100 ms)');
	assert.equal(step.estimates.get('N_CR3'), 100_000);
	assert.equal(step.next.get('N_CR3'), 200, 'known phases shrink to the trust time');
	assert.equal(step.next.get('N_ALU_RING3'), 1000 * 100, 'growth is capped at 100x');
	assert.equal(step.next.get('N_CALL'), 1000 * 100, 'a non-positive time grows by the cap');
});

test('calibrationStep accepts a phase already at the largest count', () => {
	const counts = new Map(PHASES.map((p): [string, number] => [p.countDefine, MAX_COUNT]));
	const perIteration = new Map(PHASES.map((p): [number, number] => [p.number, 0.001]));
	assert.equal(calibrationStep(counts, perIteration, { trustNs: 20e6, phaseNs: 400e6 }).estimates.size, PHASES.length);
});

test('countsForTarget aims each phase at the target and stays within the loop counter', () => {
	const estimates = new Map(PHASES.map((p): [string, number] => [p.countDefine, 4]));
	estimates.set('N_CR3', 1e9);
	estimates.set('N_EMPTY_RING0', 1e-6);
	const counts = countsForTarget(estimates, 400e6);
	assert.equal(counts.get('N_ALU_RING0'), 100_000_000);
	assert.equal(counts.get('N_CR3'), MIN_COUNT);
	assert.equal(counts.get('N_EMPTY_RING0'), MAX_COUNT);
	assert.throws(() => countsForTarget(new Map(), 1e6), /no speed estimate for phase 1/);
});
