// Each minimised disagreement with QEMU found by the fuzzer, replayed on
// Ringside alone against the state line QEMU printed for it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { describeMismatch, differingFields, stateLines } from './harness';
import { guestSource } from './guest';
import { assembleGuest, runOnRingside } from './machines';
import { readRegressions } from './regression-file';

for (const { name, regression } of readRegressions()) {
	test(`${name}: ${regression.description}`, regression.todo ? { todo: regression.todo } : {}, () => {
		const ringside = runOnRingside(assembleGuest(guestSource([regression.sequence])));
		const line = stateLines(ringside.serial).get(0);
		const fields = differingFields(regression.qemu, line);
		if (fields.length > 0) {
			const report = describeMismatch({ index: 0, sequence: regression.sequence, qemu: regression.qemu, ringside: line, ringsideFailure: ringside.failure, fields }, regression.seed);
			assert.fail(report);
		}
		assert.equal(line, regression.qemu);
	});
}
