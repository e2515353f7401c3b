import { test } from 'node:test';
import assert from 'node:assert/strict';
import { IoPortBus, type IoDevice } from '../../src/machine/io-port-bus';
import { PostCodePort } from '../../src/machine/devices/post-code-port';
import type { IoSize } from '../../src/x86/bus';

/** An 8-bit device whose registers are plain bytes, recording every access it sees. */
function byteDevice(base: number, count: number): IoDevice & { regs: Uint8Array; log: string[] } {
	const regs = new Uint8Array(count);
	const log: string[] = [];
	return {
		accessWidth: 1, regs, log,
		read(port: number, size: IoSize) { log.push(`r${size}@${port.toString(16)}`); return regs[port - base]; },
		write(port: number, size: IoSize, value: number) { log.push(`w${size}@${port.toString(16)}=${value.toString(16)}`); regs[port - base] = value; },
	};
}

test('unclaimed ports read all ones at every size and swallow writes', () => {
	const bus = new IoPortBus();
	assert.equal(bus.read(0x1234, 1), 0xff);
	assert.equal(bus.read(0x1234, 2), 0xffff);
	assert.equal(bus.read(0x1234, 4), 0xffffffff);
	bus.write(0x1234, 4, 0);
	assert.equal(bus.read(0x1234, 4), 0xffffffff);
});

test('a 16- or 32-bit access to an 8-bit device becomes byte accesses, low byte first', () => {
	const bus = new IoPortBus();
	const device = byteDevice(0x300, 4);
	bus.register('test', 0x300, 4, device);
	bus.write(0x300, 4, 0x44332211);
	assert.deepEqual([...device.regs], [0x11, 0x22, 0x33, 0x44]);
	assert.deepEqual(device.log, ['w1@300=11', 'w1@301=22', 'w1@302=33', 'w1@303=44']);
	assert.equal(bus.read(0x302, 2), 0x4433);
});

test('a wide access that runs off a device reads all ones for the unclaimed bytes', () => {
	const bus = new IoPortBus();
	const device = byteDevice(0x300, 2);
	bus.register('test', 0x300, 2, device);
	device.regs.set([0xaa, 0xbb]);
	assert.equal(bus.read(0x301, 4), 0xffffffbb);
});

test('a 32-bit device takes a 32-bit access whole', () => {
	const bus = new IoPortBus();
	const seen: [number, number, number][] = [];
	bus.register('wide', 0x500, 4, { accessWidth: 4, read: () => 0x12345678, write: (p, s, v) => { seen.push([p, s, v]); } });
	bus.write(0x500, 4, 0xdeadbeef);
	assert.deepEqual(seen, [[0x500, 4, 0xdeadbeef]]);
	assert.equal(bus.read(0x500, 4), 0x12345678);
	assert.equal(bus.read(0x500, 1), 0x78, 'a byte read of a wide device keeps the low byte');
});

test('overlapping claims and ports outside the I/O space are refused', () => {
	const bus = new IoPortBus();
	bus.register('a', 0x60, 4, byteDevice(0x60, 4));
	assert.throws(() => bus.register('b', 0x63, 2, byteDevice(0x63, 2)), /port 0x63 already belongs to a/);
	assert.throws(() => bus.register('c', 0xffff, 2, byteDevice(0xffff, 2)), /outside the I\/O space/);
	assert.equal(bus.ownerOf(0x62), 'a');
	assert.equal(bus.ownerOf(0x64), undefined);
});

test('port 0x80 takes POST codes and reads back the last one', () => {
	const bus = new IoPortBus();
	const post = new PostCodePort();
	bus.register('POST', 0x80, 1, post);
	bus.write(0x80, 1, 0x5a);
	assert.equal(post.lastCode, 0x5a);
	assert.equal(bus.read(0x80, 1), 0x5a);
});
