// Guest code a translator finds hard: selfmod-rings.asm rewrites the next
// instruction on every pass (ring 0 and ring 3, directly and through a second
// mapping), overlap.asm enters the same bytes at two offsets, code-flood.asm
// runs more distinct code than a small translation cache holds, code-remap.asm
// runs different code at one linear address (CR3 switches, PTE remaps, the
// second page of a straddling instruction remapped). Each must
// print what QEMU prints in every mode (examples.test.ts covers native and
// binary translation at the default cache size) and leave guest memory as the
// bare machine does.

import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { CALLOUT, IDENT } from '../../src/vmm/translator';
import { firstDifference, guestRam } from './guest-memory';
import { bootGuest, exampleGuests, runGuest } from './run-guest';

const GUESTS = ['selfmod-rings', 'overlap', 'code-flood', 'code-remap'] as const;
type Guest = typeof GUESTS[number];

/** Translation cache sizes far below what each guest runs. */
const SMALL_CACHE: Record<Guest, number> = { 'selfmod-rings': 8, overlap: 8, 'code-flood': 64, 'code-remap': 8 };

const path = (guest: Guest): string => join(__dirname, `../../examples/tests/${guest}.asm`);
const expected = (guest: Guest): string => {
	const found = exampleGuests().find((g) => g.name === guest);
	if (!found) throw new Error(`${guest} has no QEMU reference output`);
	return found.expected;
};

for (const guest of GUESTS) {
	test(`${guest} under trap-and-emulate prints what QEMU prints`, () => {
		const trapped = runGuest(path(guest), 'trap-and-emulate');
		assert.equal(trapped.serial(), expected(guest));
		assert.deepEqual(trapped.outcome, { reason: 'exit', exitCode: 1 });
	});

	const capacity = SMALL_CACHE[guest];
	test(`${guest} under binary translation with a translation cache of ${capacity} entries: QEMU's output, native's memory and state`, () => {
		const native = runGuest(path(guest), 'native');
		const small = bootGuest(path(guest), 'binary-translation', { translationCacheCapacity: capacity });
		const outcome = small.monitor.run(20_000_000);
		assert.equal(small.serial(), expected(guest));
		assert.deepEqual(outcome, native.outcome);
		assert.equal(small.pc.cpu.instructionCount, native.instructions);
		assert.deepEqual(small.monitor.guestView(), native.monitor.guestView());
		const [translated, bare] = [guestRam(small), guestRam(native)];
		assert.ok(translated.equals(bare), `memory differs ${firstDifference(bare, translated)}`);
		const cache = small.monitor.translationCache;
		assert.ok(cache.flushes > 0);
		assert.ok(cache.size <= capacity);
		assert.equal(small.monitor.monitorView().translationCache.flushes, cache.flushes);
		// code-flood calls 256 distinct functions three times over: each pass alone overflows the cache.
		if (guest === 'code-flood') assert.ok(cache.flushes >= 3 * Math.floor(256 / capacity), `${cache.flushes} flushes`);
	});
}

test('overlap: the translation cache holds both decodings of the same bytes, each from its own entry', () => {
	const run = runGuest(path('overlap'), 'binary-translation');
	assert.equal(run.serial(), expected('overlap'));
	const blocks = run.monitor.translationCache.blocks();
	const at = (address: number) => blocks.find((b) => b.start === address);
	const cr0 = run.symbol('cr0_whole');
	assert.equal(at(cr0)?.listing[0], `${IDENT} mov eax, 0x90C0200F`);
	assert.equal(at(cr0 + 1)?.listing[0], `${CALLOUT} mov eax, cr0 -> virtual CPU`);
	const add = run.symbol('add_whole');
	assert.equal(at(add)?.listing[0], `${IDENT} mov eax, 0x9007C383`);
	assert.equal(at(add + 1)?.listing[0], `${IDENT} add ebx, 7`);
});
