// Adaptive binary translation on pte-store-loop.asm: two ring-0 stores (one to
// a page-table entry, one to a page-directory entry) run 200 times each. Under
// binary translation each takes trace faults until the monitor retranslates it,
// once, and then none; the guest cannot tell. Trap-and-emulate never adapts.

import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import type { MonitorEvent } from '../../src/vmm/events';
import { ADAPT_AFTER_TRACE_EXITS } from '../../src/vmm/monitor';
import { ADAPTED } from '../../src/vmm/translator';
import { runGuest, type GuestRun } from './run-guest';

const GUEST = join(__dirname, '../../examples/tests/pte-store-loop.asm');
/** Stores each loop makes (PASSES in the guest). */
const PASSES = 200;
const STORES = ['page_table_store', 'page_directory_store'] as const;

const at = (run: GuestRun, kind: MonitorEvent['kind'], address: number): MonitorEvent[] =>
	run.events.filter((e) => e.kind === kind && e.address === address);

/** Trace faults from one instruction are reported at the 1st, 2nd, 4th, 8th...: the reports up to the `n`th fault. */
const reportsUpTo = (n: number): number[] => {
	const counts: number[] = [];
	for (let count = 1; count <= n; count *= 2) counts.push(count);
	return counts;
};

test('under binary translation each store is retranslated once, and its trace faults stop there', () => {
	// Twice as many stores as it takes: faults going on after adaptation would be reported.
	assert.ok(PASSES >= 2 * ADAPT_AFTER_TRACE_EXITS);
	const native = runGuest(GUEST, 'native');
	const run = runGuest(GUEST, 'binary-translation', { record: true });
	assert.equal(run.serial(), native.serial());
	assert.deepEqual(run.outcome, native.outcome);
	assert.equal(run.instructions, native.instructions);
	assert.deepEqual(run.monitor.guestView(), native.monitor.guestView());

	const adaptations = run.events.filter((e) => e.kind === 'adaptive-retranslation');
	assert.deepEqual(adaptations.map((e) => e.address).sort(), STORES.map((s) => run.symbol(s)).sort());
	for (const name of STORES) {
		const site = run.symbol(name);
		const [adapted] = at(run, 'adaptive-retranslation', site);
		assert.ok(adapted, `${name} adapted`);
		assert.match(adapted.instruction, /^mov \[0x[0-9A-F]+\], eax$/);
		assert.equal(adapted.detail?.traceFaults, ADAPT_AFTER_TRACE_EXITS);
		const faults = at(run, 'shadow-fault', site);
		assert.deepEqual(faults.map((e) => e.detail?.count), reportsUpTo(ADAPT_AFTER_TRACE_EXITS));
		assert.ok(faults.every((e) => e.time <= adapted.time));
		// The translation cache lists the store as adapted.
		const blocks = run.monitor.translationCache.blocks().filter((b) => b.start <= site && site < b.end);
		assert.ok(blocks.length > 0);
		assert.ok(blocks.every((b) => b.listing.some((line) => line.startsWith(`${ADAPTED} ${adapted.instruction}`))));
	}
	const stats = run.monitor.shadowPagingStatistics();
	assert.ok(stats);
	// Only the faults before adaptation exited; every later store was performed in place.
	assert.equal(stats.traceExits, STORES.length * ADAPT_AFTER_TRACE_EXITS);
	assert.ok(stats.traceWrites >= STORES.length * (PASSES - ADAPT_AFTER_TRACE_EXITS));
});

test('adaptation does not depend on anyone listening', () => {
	const run = runGuest(GUEST, 'binary-translation');
	assert.equal(run.outcome.reason, 'exit');
	assert.equal(run.monitor.shadowPagingStatistics()?.traceExits, STORES.length * ADAPT_AFTER_TRACE_EXITS);
});

test('under trap-and-emulate every store keeps exiting to the monitor', () => {
	const native = runGuest(GUEST, 'native');
	const run = runGuest(GUEST, 'trap-and-emulate', { record: true });
	assert.equal(run.serial(), native.serial());
	assert.equal(run.events.filter((e) => e.kind === 'adaptive-retranslation').length, 0);
	for (const name of STORES) {
		const counts = at(run, 'shadow-fault', run.symbol(name)).map((e) => e.detail?.count);
		assert.deepEqual(counts, reportsUpTo(PASSES), `${name}: reported up to the last power of two of its ${PASSES} faults`);
	}
	assert.equal(run.monitor.shadowPagingStatistics()?.traceExits, STORES.length * PASSES);
});
