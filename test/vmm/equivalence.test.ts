// The monitor's promise, guest by guest: binary translation is invisible to
// the guest (same output, same end, same instruction count, same guest-visible
// CPU state as the bare machine); trap-and-emulate differs from the bare
// machine only where it reports a hole.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { knownBugAgainstNative } from './known-bugs';
import { budgetFor, exampleGuests, runGuest } from './run-guest';

for (const guest of exampleGuests()) {
	const budget = budgetFor(guest.name);

	test(`${guest.name}: binary translation is indistinguishable from native`, { todo: knownBugAgainstNative(guest.name, 'binary-translation') }, () => {
		const native = runGuest(guest.path, 'native', { budget });
		const translated = runGuest(guest.path, 'binary-translation', { budget });
		assert.equal(translated.serial(), native.serial());
		assert.deepEqual(translated.outcome, native.outcome);
		assert.equal(translated.instructions, native.instructions);
		assert.deepEqual(translated.monitor.guestView(), native.monitor.guestView());
	});

	test(`${guest.name}: trap-and-emulate differs from native only where it reports holes`, { todo: knownBugAgainstNative(guest.name, 'trap-and-emulate') }, () => {
		const native = runGuest(guest.path, 'native', { budget });
		const trapped = runGuest(guest.path, 'trap-and-emulate', { budget, record: true });
		const holes = trapped.events.filter((e) => e.kind === 'hole');
		if (holes.length === 0) {
			assert.equal(trapped.serial(), native.serial());
			assert.deepEqual(trapped.outcome, native.outcome);
			assert.deepEqual(trapped.monitor.guestView(), native.monitor.guestView());
			return;
		}
		for (const hole of holes) assert.equal(hole.instructionClass, 'sensitive', `${hole.instruction} reported as a hole`);
		const nativeLines = native.serial().split('\n');
		const differing = trapped.serialLines().filter((line, i) => line.text !== nativeLines[i]);
		assert.ok(differing.length > 0 || trapped.serial() === native.serial());
		// A line can only be explained by a hole that ran before the guest finished writing it.
		for (const line of differing) {
			assert.ok(holes.some((h) => h.time <= line.time), `no hole reported before "${line.text}"`);
		}
	});
}
