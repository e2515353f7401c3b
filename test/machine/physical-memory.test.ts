import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PhysicalMemory } from '../../src/machine/physical-memory';
import { physical } from '../../src/x86/addresses';

test('RAM reads back little-endian values of every width', () => {
	const memory = new PhysicalMemory(2);
	assert.equal(memory.ramSize, 2 * 1024 * 1024);
	memory.write32(physical(0x1000), 0xdeadbeef);
	assert.equal(memory.read32(physical(0x1000)), 0xdeadbeef);
	assert.equal(memory.read16(physical(0x1002)), 0xdead);
	assert.equal(memory.read8(physical(0x1000)), 0xef);
	memory.write16(physical(0x2001), 0x1234);
	assert.deepEqual([...memory.peek(physical(0x2000), 4)], [0, 0x34, 0x12, 0]);
});

test('beyond RAM is open bus: reads all ones, writes ignored, straddling accesses split', () => {
	const memory = new PhysicalMemory(2);
	const end = memory.ramSize;
	memory.write32(physical(end), 0x12345678);
	assert.equal(memory.read32(physical(end)), 0xffffffff);
	assert.equal(memory.read8(physical(0xfffffff0)), 0xff);
	memory.write32(physical(end - 2), 0xaabbccdd);
	assert.equal(memory.read32(physical(end - 2)), 0xffffccdd);
	assert.deepEqual([...memory.peek(physical(end - 1), 3)], [0xcc, 0xff, 0xff]);
});

test('CPU writes into RAM are reported for code-cache invalidation; debugger pokes are not', () => {
	const memory = new PhysicalMemory(2);
	const writes: [number, number][] = [];
	memory.onRamWrite = (address, length) => writes.push([address, length]);
	memory.write8(physical(0x10), 1);
	memory.write32(physical(0x20), 1);
	memory.write32(physical(memory.ramSize + 4), 1);
	memory.poke(physical(0x30), new Uint8Array([1, 2]));
	assert.deepEqual(writes, [[0x10, 1], [0x20, 4]]);
	assert.deepEqual([...memory.peek(physical(0x30), 2)], [1, 2]);
});

test('a memory size the machine cannot have is refused with the allowed range', () => {
	assert.throws(() => new PhysicalMemory(0), /from 2 to 2048/);
	assert.throws(() => new PhysicalMemory(3.5), /whole number/);
});

test('saveState/loadState restores RAM contents', () => {
	const memory = new PhysicalMemory(2);
	memory.write32(physical(0x500), 42);
	const state = memory.saveState();
	memory.write32(physical(0x500), 7);
	memory.loadState(state);
	assert.equal(memory.read32(physical(0x500)), 42);
	assert.throws(() => new PhysicalMemory(4).loadState(state), /2 MiB of RAM, this machine has 4 MiB/);
});
