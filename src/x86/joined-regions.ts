// Regions that keep handing control to each other on one page are compiled
// into one. Decoding follows only the edges it can see (fall-through, direct
// jumps and calls); a fault handler and the loop whose faults it handles reach
// each other by a delivery and an IRET, which it cannot. Once joined, a region
// delivers its own faults and goes on at the handler among its blocks, and the
// handler's IRET goes on at the loop (see block-compiler.ts): the round trip
// never leaves compiled code.

import { BlockCache, region, type CachedRegion } from './block-cache';
import { compileRegion } from './block-compiler';
import type { Cpu } from './cpu';
import type { DecodedBlock } from './decoded-instruction';

/**
 * Links followed from a region to others on its page before the one followed then is joined
 * with it: each join compiles the code again, which V8 has to optimise again.
 */
export const JOIN_AFTER = 256;
/** Most blocks a joined region holds. */
const MAX_JOINED_BLOCKS = 64;

/**
 * `a` and `b` compiled into one region, put in their place in the cache, when they can be: the
 * same CPL, CS base and emitter, both checked against the current mappings and neither a
 * one-instruction region. Otherwise `b`, the region about to run.
 */
export function joinRegions(cpu: Cpu, a: CachedRegion, b: CachedRegion): CachedRegion {
	const epoch = cpu.blocks.mappingEpoch;
	if (a === b || a.dropped || b.dropped || a.cpl !== b.cpl || a.csBase !== b.csBase || a.emitter !== b.emitter) return b;
	if (a.checkedEpoch !== epoch || b.checkedEpoch !== epoch || isStep(a) || isStep(b)) return b;
	const blocks: DecodedBlock[] = [];
	const eips = new Set<number>();
	for (const block of [...a.blocks, ...b.blocks]) {
		if (eips.has(block.eip)) continue;
		eips.add(block.eip);
		blocks.push(block);
	}
	if (blocks.length > MAX_JOINED_BLOCKS) return b;
	const emitted = a.emitter !== undefined;
	const run = compileRegion(blocks, { emitter: a.emitter, stops: cpu.stopAddresses, cpl: a.cpl, csBase: a.csBase });
	const joined = region(blocks, run, blocks.map((block) => BlockCache.key(block.linear, a.cpl, emitted)), { csBase: a.csBase, cpl: a.cpl, emitter: a.emitter, epoch });
	cpu.blocks.replace([a, b], joined);
	return joined;
}

function isStep(r: CachedRegion): boolean {
	return r.keys.some(BlockCache.isStepKey);
}
