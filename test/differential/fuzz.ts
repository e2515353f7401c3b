// Long differential campaigns against QEMU:
//   node --import tsx test/differential/fuzz.ts --batches 200 [--seed 1000] [--count 50] [--length 12] [--jobs 2] [--record]
// Every batch is one guest of `count` sequences of `length` units; the first
// mismatch of a batch is minimised and printed (and with --record written to
// test/differential/regressions/ as seed-<n>.json, to be described by hand).

import { parseArgs } from 'node:util';
import { describeMismatch, runSeed, type SeedRun } from './harness';
import { hasQemu } from './machines';
import { writeRegression } from './regression-file';

const { values } = parseArgs({
	options: {
		batches: { type: 'string', default: '20' },
		seed: { type: 'string', default: '1' },
		count: { type: 'string', default: '50' },
		length: { type: 'string', default: '12' },
		jobs: { type: 'string', default: '2' },
		record: { type: 'boolean', default: false },
	},
});

function positive(name: string, text: string | undefined): number {
	const n = Number(text);
	if (!Number.isInteger(n) || n < 0) {
		console.error(`--${name} wants a non-negative integer, not '${text}'`);
		process.exit(2);
	}
	return n;
}

const batches = positive('batches', values.batches);
const firstSeed = positive('seed', values.seed);
const count = positive('count', values.count);
const length = positive('length', values.length);
const jobs = Math.max(1, positive('jobs', values.jobs));

if (!hasQemu()) {
	console.error('qemu-system-i386 is not on PATH: the fuzzer needs it as the reference machine');
	process.exit(2);
}

let sequences = 0;
let instructions = 0;
let failing = 0;
let next = firstSeed;
const started = Date.now();

function report(run: SeedRun): void {
	sequences += run.result.compared;
	instructions += run.result.instructions;
	if (!run.minimal) return;
	failing++;
	console.log(`\n${describeMismatch(run.minimal, run.seed)}\n(${run.result.mismatches.length} of ${run.result.compared} sequences of seed ${run.seed} disagree)`);
	if (values.record) console.log(`recorded ${writeRegression(`seed-${run.seed}`, run.minimal, run.seed, 'found by fuzz.ts: describe the bug')}`);
}

async function worker(): Promise<void> {
	while (next < firstSeed + batches) {
		const seed = next++;
		try {
			report(await runSeed(seed, count, length));
		} catch (e) {
			failing++;
			console.log(`\nseed ${seed}: ${(e as Error).message}`);
		}
	}
}

void Promise.all(Array.from({ length: jobs }, worker)).then(() => {
	const seconds = ((Date.now() - started) / 1000).toFixed(1);
	console.log(`\n${batches} batches (seeds ${firstSeed}..${firstSeed + batches - 1}): ${sequences} sequences, ${instructions} instructions compared in ${seconds} s; ${failing} batches with a mismatch`);
	process.exit(failing === 0 ? 0 : 1);
});
