// The translation cache's listing follows the guest's stores into translated
// code: a store retires exactly the entries whose code bytes it touches, on
// whichever physical pages they lie, and nothing else on those pages.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { linear } from '../../src/x86/addresses';
import { TranslationCache, type PhysicalRange, type TranslatedBlockInfo } from '../../src/vmm/translation-cache';

function block(start: number, length: number): TranslatedBlockInfo {
	return { start: linear(start), end: linear(start + length), instructionCount: 1, rewrittenCount: 0, executions: 0, guestDisassembly: [`${start}`], listing: [] };
}

function cacheWith(entries: [number, PhysicalRange[]][]): TranslationCache {
	const cache = new TranslationCache();
	for (const [start, ranges] of entries) cache.register(block(start, 16), ranges);
	return cache;
}

const starts = (cache: TranslationCache): number[] => cache.blocks().map((b) => b.start);

test('a store retires the entries whose code it touches, and only those', () => {
	const cache = cacheWith([
		[0x1000, [[0x5000, 0x5010]]],
		[0x1010, [[0x5010, 0x5020]]],
		// Code across a page boundary, from two physical pages that are not neighbours.
		[0x1ff8, [[0x6ff8, 0x7000], [0x9000, 0x9008]]],
	]);
	cache.dropPhysical(0x5800, 4);
	assert.deepEqual(starts(cache), [0x1000, 0x1010, 0x1ff8], 'data beside the code on its page');
	cache.dropPhysical(0x500e, 4);
	assert.deepEqual(starts(cache), [0x1ff8], 'a store straddling two entries');
	cache.dropPhysical(0x9004, 1);
	assert.deepEqual(starts(cache), [], 'the second page of an entry');
});

test('an entry translated again answers for its new code only', () => {
	const cache = cacheWith([[0x1000, [[0x5000, 0x5010]]]]);
	cache.register({ ...block(0x1000, 16), guestDisassembly: ['other'] }, [[0x8000, 0x8010]]);
	cache.dropPhysical(0x5000, 4);
	assert.deepEqual(starts(cache), [0x1000], 'its old bytes are not its code any more');
	cache.dropPhysical(0x8008, 4);
	assert.deepEqual(starts(cache), []);
});

test('a flush forgets every entry and the pages they came from', () => {
	const cache = cacheWith([[0x1000, [[0x5000, 0x5010]]]]);
	cache.flush();
	cache.register(block(0x2000, 16), [[0x6000, 0x6010]]);
	cache.dropPhysical(0x5000, 4);
	assert.deepEqual(starts(cache), [0x2000]);
	assert.equal(cache.flushes, 1);
});
