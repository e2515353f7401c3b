// Every example guest against its QEMU reference output: COM1 text and how the
// run ends, in native mode (the bare machine) and under binary translation,
// which must be indistinguishable from it. (Trap-and-emulate is allowed to
// differ where the holes show: equivalence.test.ts.)

import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { RunOutcome } from '../../src/vmm/monitor';
import { knownBugAgainstQemu } from './known-bugs';
import { budgetFor, exampleGuests, runGuest } from './run-guest';

/** How each example says it ends (its header comment): exit code 1, idle, spinning, or a triple fault. */
function expectedEnd(name: string): RunOutcome['reason'] {
	if (name === 'triple-fault') return 'triple-fault';
	if (name === 'halt-forever') return 'idle';
	if (name === 'loop-forever') return 'budget';
	return 'exit';
}

for (const mode of ['native', 'binary-translation'] as const) {
	for (const guest of exampleGuests()) {
		test(`${guest.name} under ${mode} prints what QEMU prints`, { todo: knownBugAgainstQemu(guest.name, mode) }, () => {
			const run = runGuest(guest.path, mode, { budget: budgetFor(guest.name) });
			assert.equal(run.serial(), guest.expected);
			assert.equal(run.outcome.reason, expectedEnd(guest.name));
			if (run.outcome.reason === 'exit') assert.equal(run.outcome.exitCode, 1);
		});
	}
}
