import { test } from 'node:test';
import assert from 'node:assert/strict';
import { VirtualClock, type ClockedDevice } from '../../src/machine/virtual-clock';

test('virtual time is the instruction count at 10 ns per instruction, plus skipped idle time', () => {
	let count = 0;
	const clock = new VirtualClock(() => count);
	count = 250;
	assert.equal(clock.now(), 250);
	assert.equal(clock.nanoseconds(), 2500);
	clock.skipTo(1000);
	count = 260;
	assert.equal(clock.now(), 1010);
	assert.deepEqual(clock.saveState(), { idleTicks: 750 });
});

test('nextDeadline is the earliest device deadline; advance brings every device to now', () => {
	let count = 0;
	const clock = new VirtualClock(() => count);
	assert.equal(clock.nextDeadline(), undefined);
	const seen: string[] = [];
	const device = (name: string, deadline: number | undefined): ClockedDevice => ({
		advanceTo: (now) => seen.push(`${name}@${now}`),
		nextDeadline: () => deadline,
	});
	clock.attach(device('a', 500));
	clock.attach(device('b', undefined));
	clock.attach(device('c', 300));
	assert.equal(clock.nextDeadline(), 300);
	count = 42;
	clock.advance();
	assert.deepEqual(seen, ['a@42', 'b@42', 'c@42']);
});
