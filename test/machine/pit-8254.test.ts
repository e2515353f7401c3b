import { test } from 'node:test';
import assert from 'node:assert/strict';
import { IoPortBus } from '../../src/machine/io-port-bus';
import { VirtualClock, deviceClockToTicks, ticksToDeviceClock } from '../../src/machine/virtual-clock';
import { Pit8254 } from '../../src/machine/devices/pit-8254';
import { PIT_HZ } from '../../src/machine/devices/pit-channel';

/** A PIT on a clock the test moves by hand, with IRQ 0 edges counted. */
function setup() {
	let instructions = 0;
	const clock = new VirtualClock(() => instructions);
	const edges: string[] = [];
	const pit = new Pit8254(clock, { raise: (irq) => edges.push(`+${irq}`), lower: (irq) => edges.push(`-${irq}`) });
	clock.attach(pit);
	const io = new IoPortBus();
	io.register('pit', 0x40, 4, pit);
	const out = (port: number, value: number) => io.write(port, 1, value);
	const raises = () => edges.filter((e) => e === '+0').length;
	const at = (time: number) => { instructions = time; clock.advance(); };
	return { clock, pit, io, out, raises, at, inb: (port: number) => io.read(port, 1) };
}

const DIVISOR = 11932; // about 100 Hz

test('virtual ticks convert to PIT ticks exactly, even after hours of guest time', () => {
	assert.equal(ticksToDeviceClock(100_000_000, PIT_HZ), PIT_HZ);
	const hours = 100_000_000 * 3600 * 5 + 12345;
	assert.equal(ticksToDeviceClock(hours, PIT_HZ), PIT_HZ * 3600 * 5 + Math.floor((12345 * PIT_HZ) / 100_000_000));
	for (const n of [1, 2, 65536, 1193181, 1193183, 7 * PIT_HZ + 5]) {
		const t = deviceClockToTicks(n, PIT_HZ);
		assert.ok(ticksToDeviceClock(t, PIT_HZ) >= n && ticksToDeviceClock(t - 1, PIT_HZ) < n, `first tick reaching ${n}`);
	}
});

test('mode 2 interrupts every DIVISOR PIT ticks, at the virtual times nextDeadline announces', () => {
	const { clock, out, raises, at } = setup();
	out(0x43, 0x34); out(0x40, DIVISOR & 0xff); out(0x40, DIVISOR >> 8);
	const first = clock.nextDeadline()!;
	assert.equal(first, deviceClockToTicks(DIVISOR, PIT_HZ));
	assert.ok(Math.abs(first - 1_000_000) < 100, 'about 10 ms of virtual time');
	at(first - 1);
	assert.equal(raises(), 0);
	at(first);
	assert.equal(raises(), 1);
	const second = clock.nextDeadline()!;
	assert.equal(second, deviceClockToTicks(2 * DIVISOR, PIT_HZ));
	at(second);
	assert.equal(raises(), 2);
	// Many periods passing unobserved coalesce into one request, as the PIC's IRR would.
	at(second + 50 * 1_000_000);
	assert.equal(raises(), 3);
});

test('mode 3 (square wave) has the same period', () => {
	const { clock, out, raises, at } = setup();
	out(0x43, 0x36); out(0x40, 0x00); out(0x40, 0x10); // 4096
	for (let k = 1; k <= 3; k++) {
		assert.equal(clock.nextDeadline(), deviceClockToTicks(k * 4096, PIT_HZ));
		at(clock.nextDeadline()!);
		assert.equal(raises(), k);
	}
});

test('mode 0 interrupts once at terminal count; a new count rearms it', () => {
	const { clock, out, raises, at } = setup();
	out(0x43, 0x30); out(0x40, 100); out(0x40, 0);
	const deadline = clock.nextDeadline()!;
	assert.equal(deadline, deviceClockToTicks(100, PIT_HZ));
	at(deadline);
	assert.equal(raises(), 1);
	assert.equal(clock.nextDeadline(), undefined);
	at(deadline * 10);
	assert.equal(raises(), 1);
	out(0x40, 50); out(0x40, 0);
	at(clock.nextDeadline()!);
	assert.equal(raises(), 2);
});

test('a reload value of 0 means 65536', () => {
	const { clock, out } = setup();
	out(0x43, 0x34); out(0x40, 0); out(0x40, 0);
	assert.equal(clock.nextDeadline(), deviceClockToTicks(65536, PIT_HZ));
});

test('the latch command freezes the count for a lo/hi read while counting goes on', () => {
	const { out, inb, at } = setup();
	out(0x43, 0x34); out(0x40, 0x00); out(0x40, 0x80); // 0x8000
	at(deviceClockToTicks(0x100, PIT_HZ));
	out(0x43, 0x00);
	at(deviceClockToTicks(0x300, PIT_HZ));
	assert.equal(inb(0x40) | (inb(0x40) << 8), 0x8000 - 0x100);
	assert.equal(inb(0x40) | (inb(0x40) << 8), 0x8000 - 0x300, 'unlatched reads follow the counter');
});

test('lo-only and hi-only access modes', () => {
	const { clock, out, inb } = setup();
	out(0x43, 0x14); out(0x40, 0x40);
	assert.equal(clock.nextDeadline(), deviceClockToTicks(0x40, PIT_HZ));
	assert.equal(inb(0x40), 0x40);
	out(0x43, 0x24); out(0x40, 0x02);
	assert.equal(clock.nextDeadline(), deviceClockToTicks(0x200, PIT_HZ));
	assert.equal(inb(0x40), 0x02);
});

test('channel 2 can be programmed and read but raises nothing', () => {
	const { clock, out, inb, raises, at } = setup();
	out(0x43, 0xb4); out(0x42, 0x10); out(0x42, 0x00);
	assert.equal(clock.nextDeadline(), undefined);
	at(deviceClockToTicks(4, PIT_HZ));
	out(0x43, 0x80);
	assert.equal(inb(0x42), 12);
	assert.equal(raises(), 0);
});

test('read-back latches the status byte: output, access mode and mode', () => {
	const { out, inb } = setup();
	out(0x43, 0x34); out(0x40, 10); out(0x40, 0);
	out(0x43, 0xe2);
	assert.equal(inb(0x40), 0x80 | 0x30 | 0x04);
});

test('a halted CPU skips ahead: skipTo moves virtual time without instructions', () => {
	const { clock, out, raises } = setup();
	out(0x43, 0x34); out(0x40, DIVISOR & 0xff); out(0x40, DIVISOR >> 8);
	clock.skipTo(clock.nextDeadline()!);
	clock.advance();
	assert.equal(raises(), 1);
	assert.equal(clock.now(), deviceClockToTicks(DIVISOR, PIT_HZ));
	clock.skipTo(5);
	assert.equal(clock.now(), deviceClockToTicks(DIVISOR, PIT_HZ), 'time never goes backwards');
});

test('the PIT state survives a snapshot', () => {
	const a = setup();
	a.out(0x43, 0x34); a.out(0x40, DIVISOR & 0xff); a.out(0x40, DIVISOR >> 8);
	a.at(500_000);
	const b = setup();
	b.at(500_000);
	b.pit.loadState(a.pit.saveState());
	assert.equal(b.clock.nextDeadline(), a.clock.nextDeadline());
	a.out(0x43, 0); b.out(0x43, 0);
	assert.equal(b.inb(0x40), a.inb(0x40));
});
