// Random guest kernels (privileged and sensitive instructions at ring 0, ring 3
// drops, page faults, with paging on) run under native, binary translation and
// trap-and-emulate in-process; the modes must agree (see monitor-compare.ts).
// A longer campaign: npx tsx test/differential/monitor-campaign.ts <seed> <count>.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compareModes, compareUnits, minimise, runSource } from './monitor-compare';
import { monitorGuestSource, randomUnits } from './monitor-guest';

const SEEDS = [1, 2, 3, 5, 8, 13];

for (const seed of SEEDS) {
	test(`monitor modes agree with native on generated guest, seed ${seed}`, () => {
		assert.deepEqual(compareModes(randomUnits(seed, 12)), []);
	});
}

for (const seed of [4, 6]) {
	test(`trap-and-emulate agrees with native to the end on privileged-only guest, seed ${seed}`, () => {
		assert.equal(compareUnits(randomUnits(seed, 16, { privilegedOnly: true }), 'trap-and-emulate'), undefined);
	});
}

test('every generated unit dumps one line of state under native', () => {
	const units = randomUnits(99, 10);
	const run = runSource(monitorGuestSource(units), 'native');
	assert.equal(run.outcome, 'exit 1');
	assert.deepEqual(run.lines.map((l) => l.text.split(' ').slice(0, 2).join(' ')), units.map((_, i) => `unit ${i.toString(16).padStart(8, '0')}`));
});

// Guest ring 3 runs by direct execution in every mode, so SGDT there reads the
// monitor's own GDTR: the comparison must see it, and the minimiser must cut the
// program down to the unit that does it.
test('ring-3 SGDT under binary translation is caught and minimised', () => {
	const leak = { kind: 'ring3', lines: ['push 0x23', 'push USER_STACK_TOP', 'pushfd', 'push 0x1b', 'push @ring3', 'iretd', '@ring3:', 'mov ax, 0x23', 'mov ds, ax', 'inc ebx', 'sgdt [scratch_table]', 'mov esi, [scratch_table + 2]', 'int 0x80'] };
	const units = [...randomUnits(7, 2), leak];
	const problems = compareModes(units, ['binary-translation']);
	assert.equal(problems.length, 1);
	assert.match(problems[0], /^binary-translation line 3:/);
	const minimal = minimise(units, 'binary-translation');
	assert.equal(minimal.length, 2);
	assert.ok(minimal[1].lines.includes('sgdt [scratch_table]'));
	assert.ok(!minimal[1].lines.includes('inc ebx'));
});
