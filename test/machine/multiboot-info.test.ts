import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeMultibootInfo, BOOT_LOADER_NAME } from '../../src/machine/loaders/multiboot-info';
import { PhysicalMemory } from '../../src/machine/physical-memory';
import { physical } from '../../src/x86/addresses';

function readString(memory: PhysicalMemory, address: number): string {
	let text = '';
	for (let at = address; memory.read8(physical(at)) !== 0; at++) text += String.fromCharCode(memory.read8(physical(at)));
	return text;
}

test('the information structure: flags, memory sizes, command line, loader name, memory map', () => {
	const memory = new PhysicalMemory(32);
	const info = writeMultibootInfo(memory, 'console=ttyS0 quiet', [{ start: 0x100000, end: 0x104000 }]);
	assert.equal(info, 0x9000);
	const u32 = (offset: number) => memory.read32(physical(info + offset));
	assert.equal(u32(0), (1 << 0) | (1 << 2) | (1 << 6) | (1 << 9));
	assert.equal(u32(4), 639);
	assert.equal(u32(8), 31 * 1024);
	assert.equal(readString(memory, u32(16)), 'console=ttyS0 quiet');
	assert.equal(readString(memory, u32(64)), BOOT_LOADER_NAME);
	assert.equal(u32(20), 0, 'no modules');

	const entries: [number, number, number][] = [];
	const mmapEnd = u32(48) + u32(44);
	for (let at = u32(48); at < mmapEnd; at += memory.read32(physical(at)) + 4) {
		const base = memory.read32(physical(at + 4)) + memory.read32(physical(at + 8)) * 2 ** 32;
		const length = memory.read32(physical(at + 12)) + memory.read32(physical(at + 16)) * 2 ** 32;
		entries.push([base, length, memory.read32(physical(at + 20))]);
	}
	assert.deepEqual(entries, [
		[0, 0x9fc00, 1],
		[0x9fc00, 0x400, 2],
		[0xf0000, 0x10000, 2],
		[0x100000, 31 * 1024 * 1024, 1],
	]);
});

test('the exact bytes of the first memory map entry', () => {
	const memory = new PhysicalMemory(2);
	const info = writeMultibootInfo(memory, '', []);
	const mmap = memory.read32(physical(info + 48));
	assert.deepEqual([...memory.peek(physical(mmap), 24)], [
		20, 0, 0, 0,
		0, 0, 0, 0, 0, 0, 0, 0,
		0x00, 0xfc, 0x09, 0, 0, 0, 0, 0,
		1, 0, 0, 0,
	]);
	assert.equal(readString(memory, memory.read32(physical(info + 16))), '');
});

test('a program occupying 0x9000 moves the structure to 0x9F000; occupying both is an error', () => {
	const memory = new PhysicalMemory(2);
	assert.equal(writeMultibootInfo(memory, '', [{ start: 0x7c00, end: 0x9800 }]), 0x9f000);
	assert.throws(() => writeMultibootInfo(memory, '', [{ start: 0x8000, end: 0xa0000 }]), /occupies both places/);
});

test('an over-long or NUL-carrying command line is refused', () => {
	const memory = new PhysicalMemory(2);
	assert.throws(() => writeMultibootInfo(memory, 'x'.repeat(1024), []), /1024 bytes; at most 1023 fit/);
	assert.throws(() => writeMultibootInfo(memory, 'a\0b', []), /NUL/);
});
