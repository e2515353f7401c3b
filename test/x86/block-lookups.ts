// Counting block-cache lookups: a region that leaves for a block it is linked
// to, or that keeps a loop inside itself, does not look the next block up.

import type { TestMachine } from './helpers';

/** How many times `run` looked a block up in `m`'s block cache. */
export function lookupsDuring(m: TestMachine, run: () => void): number {
	const cache = m.cpu.blocks;
	const get = cache.get.bind(cache);
	let lookups = 0;
	cache.get = (key) => {
		lookups++;
		return get(key);
	};
	try {
		run();
	} finally {
		cache.get = get;
	}
	return lookups;
}
