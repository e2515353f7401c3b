// Ringside's CPU against QEMU on a fixed set of seeds: each batch is one guest
// of random integer-instruction sequences; a disagreement is minimised and
// printed with its seed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { describeMismatch, runSeed } from './harness';
import { hasNasm, hasQemu } from './machines';

const SEEDS = [101, 202, 303, 404];
const SEQUENCES = 50;
const UNITS = 12;
const skip = !hasQemu() ? 'qemu-system-i386 is not installed: no reference machine' : !hasNasm() ? 'nasm is not installed (the generated guests use address forms only nasm assembles)' : false;

for (const seed of SEEDS) {
	test(`seed ${seed}: ${SEQUENCES} sequences of ${UNITS} units agree with QEMU`, { skip }, async () => {
		const run = await runSeed(seed, SEQUENCES, UNITS);
		assert.equal(run.result.compared, SEQUENCES);
		if (run.minimal) assert.fail(`${describeMismatch(run.minimal, seed)}\n(${run.result.mismatches.length} of ${SEQUENCES} sequences disagree)`);
	});
}
