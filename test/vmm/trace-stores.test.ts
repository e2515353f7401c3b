// Stores to traced page-table pages under trap-and-emulate. The exit to the
// monitor such a store takes exists for the hidden-fault events (and, under
// binary translation, for adaptive retranslation); with nobody listening the
// store is performed in place, which the guest cannot tell from the exit.

import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { runGuest } from './run-guest';

const GUEST = join(__dirname, '../../examples/tests/pte-store-loop.asm');

test('under trap-and-emulate with nobody listening, traced stores land in place without leaving guest code', () => {
	const native = runGuest(GUEST, 'native');
	const quiet = runGuest(GUEST, 'trap-and-emulate');
	const heard = runGuest(GUEST, 'trap-and-emulate', { record: true });
	for (const run of [quiet, heard]) {
		assert.equal(run.serial(), native.serial());
		assert.deepEqual(run.outcome, native.outcome);
		assert.equal(run.instructions, native.instructions);
		assert.deepEqual(run.monitor.guestView(), native.monitor.guestView());
	}
	const quietStats = quiet.monitor.shadowPagingStatistics();
	const heardStats = heard.monitor.shadowPagingStatistics();
	assert.ok(quietStats && heardStats);
	assert.equal(quietStats.traceExits, 0);
	assert.ok(heardStats.traceExits > 0);
	assert.equal(quietStats.traceWrites, heardStats.traceWrites, 'the same stores, each performed once');
	assert.ok(heard.events.some((e) => e.kind === 'shadow-fault'));
});
