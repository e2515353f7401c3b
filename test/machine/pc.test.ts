import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Pc } from '../../src/machine/pc';

test('the PC wires its devices on the AT ports and the PIT interrupt reaches the CPU line through the PIC', () => {
	const pc = new Pc({ memoryMiB: 4 });
	assert.equal(pc.memory.ramSize, 4 * 1024 * 1024);
	for (const [port, name] of [[0x20, '8259 master'], [0xa1, '8259 slave'], [0x43, '8254 PIT'], [0x3fd, 'COM1 16550'], [0x80, 'POST code'], [0xf4, 'debug exit']] as const) {
		assert.equal(pc.io.ownerOf(port), name);
	}
	const out = (port: number, value: number) => pc.io.write(port, 1, value);
	out(0x20, 0x11); out(0x21, 0x20); out(0x21, 0x04); out(0x21, 0x01); out(0x21, 0xfe);
	out(0x43, 0x34); out(0x40, 100); out(0x40, 0);
	pc.advanceDevices();
	assert.equal(pc.pic.pending(), false);
	pc.clock.skipTo(pc.clock.nextDeadline()!);
	pc.advanceDevices();
	assert.equal(pc.pic.pending(), true);
	assert.equal(pc.pic.acknowledge(), 0x20);
});

test('COM1 output and the debug exit port reach the host', () => {
	const pc = new Pc({ memoryMiB: 2 });
	const text: number[] = [];
	pc.uart.onTransmit((b) => text.push(b));
	pc.io.write(0x3f8, 1, 0x48);
	pc.io.write(0xf4, 1, 0);
	assert.deepEqual(text, [0x48]);
	assert.equal(pc.debugExit.exitCode, 1);
});

test('a PC snapshot restores RAM, devices and virtual time', () => {
	const pc = new Pc({ memoryMiB: 2 });
	pc.memory.ram[0x1234] = 0x77;
	pc.io.write(0x3fb, 1, 0x03);
	pc.clock.skipTo(5000);
	const state = pc.saveState();
	const copy = new Pc({ memoryMiB: 2 });
	copy.loadState(state);
	assert.equal(copy.memory.ram[0x1234], 0x77);
	assert.equal(copy.io.read(0x3fb, 1), 0x03);
	assert.equal(copy.clock.now(), pc.clock.now());
});
