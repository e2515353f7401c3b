// Shadow paging under ring compression: the hardware walks the monitor's
// shadows, the guest sees its own tables (CR3, A/D bits, faults) exactly as on
// the bare machine, and the monitor tells hidden faults from true ones.

import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { MONITOR_PHYSICAL_BASE } from '../../src/machine/physical-memory';
import { runGuest } from './run-guest';

const PAGING = join(__dirname, '../../examples/tests/paging.asm');

for (const mode of ['binary-translation', 'trap-and-emulate'] as const) {
	test(`paging.asm under ${mode}: same output, end and guest state as native; one true fault, the rest hidden`, () => {
		const native = runGuest(PAGING, 'native');
		const shadowed = runGuest(PAGING, mode, { record: true });
		assert.equal(shadowed.serial(), native.serial());
		assert.deepEqual(shadowed.outcome, native.outcome);
		assert.equal(shadowed.monitor.guestView().cr3, native.monitor.guestView().cr3);
		const stats = shadowed.monitor.shadowPagingStatistics();
		assert.ok(stats);
		// The guest's demand-paging handler runs once: the only fault its own tables raise.
		assert.equal(stats.trueFaults, 1);
		assert.ok(stats.fills > 0);
		// The handler's PDE store hits the traced page directory.
		assert.ok(stats.traceExits + stats.traceWrites > 0);
		assert.equal(shadowed.events.filter((e) => e.kind === 'guest-exception' && e.detail?.vector === 14).length, 1);
		// The hardware CR3 is the monitor's shadow directory, never the guest's.
		assert.ok(shadowed.pc.cpu.cr3 >>> 0 >= MONITOR_PHYSICAL_BASE);
		assert.equal(shadowed.monitor.monitorView().shadowPaging?.trueFaults, 1);
	});
}

test('native mode has no shadow paging: the hardware walks the guest tables', () => {
	const native = runGuest(PAGING, 'native');
	assert.equal(native.monitor.shadowPagingStatistics(), undefined);
	assert.equal(native.pc.cpu.cr3, native.monitor.guestView().cr3);
});

test('the debugger reads guest memory through the guest tables, not the shadows', () => {
	const run = runGuest(PAGING, 'binary-translation');
	const low = run.monitor.readGuestLinear(0x00300000 as never, 4);
	const high = run.monitor.readGuestLinear(0xc0300000 as never, 4);
	assert.deepEqual(high, low);
	assert.equal(Buffer.from(low!).readUInt32LE(0), 0xcafef00d);
});
