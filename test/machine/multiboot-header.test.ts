import { test } from 'node:test';
import assert from 'node:assert/strict';
import { findMultibootHeader, kludgeSegment } from '../../src/machine/loaders/multiboot-header';
import { ProgramLoadError } from '../../src/machine/loaders/program-load-error';
import { multibootHeader } from './helpers/elf-builder';

function imageWith(header: Uint8Array, at: number, size = at + header.length + 64): Uint8Array {
	const image = new Uint8Array(size);
	image.set(header, at);
	return image;
}

test('the header is found at any 4-byte aligned offset in the first 8192 bytes', () => {
	assert.deepEqual(findMultibootHeader(imageWith(multibootHeader(0x3), 0)), { offset: 0, flags: 3 });
	assert.equal(findMultibootHeader(imageWith(multibootHeader(0x3), 8180))?.offset, 8180);
	assert.equal(findMultibootHeader(imageWith(multibootHeader(0x3), 8192)), undefined, 'past the search window');
	assert.equal(findMultibootHeader(imageWith(multibootHeader(0x3), 6)), undefined, 'not 4-byte aligned');
	assert.equal(findMultibootHeader(new Uint8Array(0)), undefined);
});

test('a magic with a bad checksum is not a header; the search goes on', () => {
	const image = imageWith(multibootHeader(0x2), 64);
	const bad = multibootHeader(0x3);
	bad[8] ^= 1;
	image.set(bad, 16);
	assert.equal(findMultibootHeader(image)?.offset, 64);
});

test('required flags the loader cannot honour are refused', () => {
	assert.throws(() => findMultibootHeader(imageWith(multibootHeader(0x10), 0)), (e: unknown) => e instanceof ProgramLoadError && /flag bits 0x10/.test(e.message));
});

test('the a.out kludge gives load addresses; the file is placed so the header lands at header_addr', () => {
	// Header at file offset 0x20 describes itself at 0x100020, text from 0x100000, bss to 0x102000.
	const image = imageWith(multibootHeader(0x10000, [0x100020, 0x100000, 0x100100, 0x102000, 0x100040]), 0x20, 0x200);
	const header = findMultibootHeader(image)!;
	assert.deepEqual(header.addresses, { headerAddr: 0x100020, loadAddr: 0x100000, loadEndAddr: 0x100100, bssEndAddr: 0x102000, entryAddr: 0x100040 });
	const segment = kludgeSegment(image, header, header.addresses!);
	assert.equal(segment.address, 0x100000);
	assert.equal(segment.bytes.length, 0x100);
	assert.equal(segment.bytes.byteOffset, image.byteOffset);
	assert.equal(segment.end, 0x102000);
});

test('load_end_addr 0 loads to the end of the file; bss_end_addr 0 means no bss', () => {
	const image = imageWith(multibootHeader(0x10000, [0x200010, 0x200000, 0, 0, 0x200000]), 0x10, 0x80);
	const header = findMultibootHeader(image)!;
	const segment = kludgeSegment(image, header, header.addresses!);
	assert.equal(segment.bytes.length, 0x80);
	assert.equal(segment.end, 0x200080);
});

test('inconsistent kludge addresses are explained', () => {
	const cases: [number[], RegExp][] = [
		[[0x100000, 0x100100, 0, 0, 0], /load_addr 0x100100 is above header_addr/],
		[[0x100100, 0x100000, 0, 0, 0], /would start 0xf0 bytes before the file/],
		[[0x100010, 0x100000, 0x100f00, 0, 0], /asks for 0xf00 bytes but the file has only/],
		[[0x100010, 0x100000, 0x100040, 0x100020, 0], /bss_end_addr 0x100020 is below the end of the loaded data 0x100040/],
	];
	for (const [addresses, message] of cases) {
		const image = imageWith(multibootHeader(0x10000, addresses as [number, number, number, number, number]), 0x10, 0x80);
		const header = findMultibootHeader(image)!;
		assert.throws(() => kludgeSegment(image, header, header.addresses!), message);
	}
	const cut = multibootHeader(0x10000, [0, 0, 0, 0, 0]).subarray(0, 20);
	assert.throws(() => findMultibootHeader(imageWith(cut, 0, 20)), /file ends before them/);
});
