// descriptor-bits.asm: the accessed bits a segment load sets in the guest's
// GDT. Loads the monitor emulates at guest ring 0 are covered by the example
// tests (binary translation; trap-and-emulate runs them as reported holes).
// A data segment load at ring 3 runs directly in both compressed modes, no hole
// involved, so its accessed bit must reach the guest's GDT there too.

import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { exampleGuests, runGuest } from './run-guest';

const GUEST = join(__dirname, '../../examples/tests/descriptor-bits.asm');
const RING3_LINE = /^descriptor-bits: descriptor 0x50 type /;

for (const mode of ['binary-translation', 'trap-and-emulate'] as const) {
	test(`descriptor-bits under ${mode}: a ring-3 data segment load marks the guest's descriptor accessed`, () => {
		const expected = exampleGuests().find((g) => g.name === 'descriptor-bits')?.expected ?? '';
		const line = (text: string): string | undefined => text.split('\n').find((l) => RING3_LINE.test(l));
		assert.ok(line(expected));
		const run = runGuest(GUEST, mode);
		assert.equal(line(run.serial()), line(expected));
	});
}
