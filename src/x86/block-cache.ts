// Compiled regions by (linear address, CPL, emitter applies): a region is
// reachable from the key of every block it holds, so entering at any of them
// lands in the same function (its dispatch starts at `c.eip`). An index by the
// physical pages their bytes came from lets a store into code drop exactly the
// regions whose bytes it overwrites (small kernels keep variables on their code
// pages: a store there must not throw away the whole page's code).
// `codePages` is the per-page bitmap the store path tests, so ordinary stores
// cost one typed-array load. A change of address space (`remapped`) keeps every
// region: each remembers which physical page each of its linear pages came
// from, and is checked against the new mapping the first time it is entered
// (`mappingEpoch`), so code a new address space maps at the same place is reused;
// an INVLPG (`remappedPage`) counts as such a change only where some region's code
// was fetched through the page it drops.
// `clear()` may come from a callout while a region runs (a translation cache
// flushing itself): the cleared regions stay in the page index until the run
// loop adds the next region, so a store the running region makes into its own
// code still drops it and ends its run, as with any other code write.

import type { InstructionEmitter, RegionFunction } from './block-compiler';
import type { DecodedBlock } from './decoded-instruction';

export interface CachedRegion {
	blocks: DecodedBlock[];
	/** CS base the blocks were decoded under (the dispatch is on EIP). */
	csBase: number;
	/** The CPL it was compiled for. */
	cpl: number;
	/** The emitter it was compiled with. */
	emitter: InstructionEmitter | undefined;
	run: RegionFunction;
	/** Instructions in the block starting at each linear address. */
	lengths: Map<number, number>;
	/** Cache keys the region answers to (empty for an uncached one). */
	keys: number[];
	/** Its bytes as physical [start, end) pairs. */
	spans: number[];
	/** [linear page, physical page] pairs its bytes were fetched through. */
	mappings: number[];
	/** The cache's `mappingEpoch` when `mappings` were last found current. */
	checkedEpoch: number;
	/** Set once the cache has dropped it: links to it are dead. */
	dropped: boolean;
	/**
	 * Chaining: the region found last time for each EIP execution left this one at, so the
	 * next one is found without the cache's lookup (checked for being dropped, the mapping
	 * epoch, CS base, CPL and emitter before use).
	 */
	links: Map<number, CachedRegion>;
	/** The link followed last, looked at before `links` (a region is mostly left for one place). */
	lastLinkEip: number;
	lastLink: CachedRegion | undefined;
	/** The linear page of its first block. */
	page: number;
	/** Links followed from it to regions it could be joined with (see joined-regions.ts). */
	joinableFollows: number;
}

/** Records that leaving `from` at `eip` leads to `to`. */
export function link(from: CachedRegion, eip: number, to: CachedRegion): void {
	from.links.set(eip, to);
	from.lastLinkEip = eip;
	from.lastLink = to;
}

/** Forgets every link of `from` (or the one at `eip`). */
export function unlink(from: CachedRegion, eip?: number): void {
	if (eip === undefined) from.links.clear();
	else from.links.delete(eip);
	if (eip === undefined || from.lastLinkEip === eip) {
		from.lastLinkEip = -1;
		from.lastLink = undefined;
	}
}

/** What a region was compiled under. */
export interface RegionOrigin {
	csBase: number;
	cpl: number;
	emitter: InstructionEmitter | undefined;
	/** The cache's mapping epoch at compile time. */
	epoch: number;
}

export function region(blocks: DecodedBlock[], run: RegionFunction, keys: number[], origin: RegionOrigin): CachedRegion {
	return {
		blocks,
		csBase: origin.csBase,
		cpl: origin.cpl,
		emitter: origin.emitter,
		run,
		lengths: new Map(blocks.map((b) => [b.linear >>> 0, b.instructions.length])),
		keys,
		spans: blocks.flatMap(physicalSpans),
		mappings: pageMappings(blocks),
		checkedEpoch: origin.epoch,
		dropped: false,
		links: new Map(),
		lastLinkEip: -1,
		lastLink: undefined,
		page: blocks[0].linear >>> 12,
		joinableFollows: 0,
	};
}

export class BlockCache {
	/** 1 for each physical RAM page holding decoded code. */
	readonly codePages: Uint8Array;
	private readonly byKey = new Map<number, CachedRegion>();
	private readonly byPage = new Map<number, Set<CachedRegion>>();
	/** Physical pages whose code has been overwritten: regions there are kept to one block, cheap to redo. */
	private readonly rewritten = new Set<number>();
	/** Counts address-space changes: a region checked in an older epoch must have its mappings checked again. */
	mappingEpoch = 0;
	/**
	 * Cached regions per linear page (and per 4 MiB of linear space) their code was fetched
	 * through: an INVLPG elsewhere cannot have changed where any region's code is.
	 */
	private readonly linearPages = new Map<number, number>();
	private readonly linearSlots = new Map<number, number>();
	/** Set by `clear()`: the page index still holds the cleared regions, one of which may be running. */
	private clearedStillIndexed = false;

	constructor(ramBytes: number) {
		this.codePages = new Uint8Array(Math.ceil(ramBytes / 4096));
	}

	static key(linear: number, cpl: number, emitted: boolean): number {
		return (linear >>> 0) + 2 ** 32 * (cpl * 2 + (emitted ? 1 : 0));
	}

	/** The key of the one-instruction region at `key`'s address (for budgets that end inside a block). */
	static stepKey(key: number): number {
		return key + 2 ** 35;
	}

	/** Whether `key` names a one-instruction region (see stepKey). */
	static isStepKey(key: number): boolean {
		return key >= 2 ** 35;
	}

	/** True once code on physical page `page` has been overwritten. */
	isRewritten(page: number): boolean {
		return this.rewritten.has(page);
	}

	/** Number of keys (block entry points) cached. */
	get size(): number {
		return this.byKey.size;
	}

	get(key: number): CachedRegion | undefined {
		return this.byKey.get(key);
	}

	/** Called by the run loop between regions only: no region is running here. */
	add(entry: CachedRegion): void {
		if (this.clearedStillIndexed) this.forgetCleared();
		for (const key of entry.keys) this.byKey.set(key, entry);
		this.countLinear(entry, 1);
		for (const page of pagesOf(entry)) {
			let regions = this.byPage.get(page);
			if (!regions) this.byPage.set(page, (regions = new Set()));
			regions.add(entry);
			if (page < this.codePages.length) this.codePages[page] = 1;
		}
	}

	private drop(entry: CachedRegion): void {
		// A region clear() dropped is no longer counted (it may still be in the page index).
		if (!entry.dropped) this.countLinear(entry, -1);
		entry.dropped = true;
		unlink(entry);
		for (const key of entry.keys) if (this.byKey.get(key) === entry) this.byKey.delete(key);
		for (const page of pagesOf(entry)) {
			const regions = this.byPage.get(page);
			if (!regions) continue;
			regions.delete(entry);
			if (regions.size === 0) {
				this.byPage.delete(page);
				if (page < this.codePages.length) this.codePages[page] = 0;
			}
		}
	}

	/** Drops every region with bytes on physical page `page`. */
	dropPage(page: number): void {
		for (const entry of [...(this.byPage.get(page) ?? [])]) this.drop(entry);
		if (page < this.codePages.length) this.codePages[page] = 0;
	}

	/** Drops the regions holding any of the bytes [address, address + length); true when there were any. */
	dropWritten(address: number, length: number): boolean {
		const page = address >>> 12;
		const regions = this.byPage.get(page);
		if (!regions) {
			if (page < this.codePages.length) this.codePages[page] = 0;
			return false;
		}
		const end = address + length;
		let dropped = false;
		for (const entry of [...regions]) {
			const spans = entry.spans;
			let hit = false;
			for (let i = 0; !hit && i < spans.length; i += 2) hit = address < spans[i + 1] && spans[i] < end;
			if (!hit) continue;
			this.drop(entry);
			dropped = true;
		}
		if (dropped) this.rewritten.add(page);
		return dropped;
	}

	/**
	 * Drops regions with a block covering one of `addresses` (linear): they were decoded against
	 * a different set of stop addresses. Regions elsewhere keep running compiled.
	 */
	dropCovering(addresses: readonly number[]): void {
		if (addresses.length === 0) return;
		this.dropWhere((b) => {
			const start = b.linear >>> 0;
			const end = start + ((b.endEip - b.eip) >>> 0);
			return addresses.some((a) => a >= start && a < end);
		});
	}

	private dropWhere(test: (block: DecodedBlock) => boolean): void {
		const doomed = new Set<CachedRegion>();
		for (const entry of this.byKey.values()) if (!doomed.has(entry) && entry.blocks.some(test)) doomed.add(entry);
		for (const entry of doomed) this.drop(entry);
	}

	/**
	 * Linear-to-physical mappings may have changed (a CR3 write, a TLB flush): regions stay
	 * cached, to be checked against the new mappings when next entered.
	 */
	remapped(): void {
		this.mappingEpoch++;
	}

	/**
	 * INVLPG of linear page `page` (`large`: its 4 MiB were mapped by one large page, which
	 * goes whole): a remapping only if some region's code was fetched through what it drops.
	 */
	remappedPage(page: number, large: boolean): void {
		if (large ? this.linearSlots.has(page >>> 10) : this.linearPages.has(page)) this.mappingEpoch++;
	}

	private countLinear(entry: CachedRegion, delta: number): void {
		const pairs = entry.mappings;
		for (let i = 0; i < pairs.length; i += 2) {
			adjust(this.linearPages, pairs[i], delta);
			adjust(this.linearSlots, pairs[i] >>> 10, delta);
		}
	}

	/** Puts `joined` in the place of the regions it was compiled from (between regions only, like `add`). */
	replace(parts: readonly CachedRegion[], joined: CachedRegion): void {
		for (const part of parts) this.drop(part);
		this.add(joined);
	}

	/** Drops `entry` (its code is not what its linear addresses now map). */
	discard(entry: CachedRegion): void {
		this.drop(entry);
	}

	/**
	 * Drops every region. Their bytes stay in the page index (and `codePages`) until the next
	 * `add`: a region running now, whose callout asked for this, must still see its stores into
	 * its own code (they drop it and end its run after the store).
	 */
	clear(): void {
		for (const regions of this.byPage.values()) {
			for (const entry of regions) {
				entry.dropped = true;
				unlink(entry);
			}
		}
		this.byKey.clear();
		this.linearPages.clear();
		this.linearSlots.clear();
		this.clearedStillIndexed = true;
	}

	/** Empties the page index of the regions `clear()` dropped, once none of them can be running. */
	private forgetCleared(): void {
		for (const page of this.byPage.keys()) if (page < this.codePages.length) this.codePages[page] = 0;
		this.byPage.clear();
		this.clearedStillIndexed = false;
	}
}

/** Adds `delta` to `key`'s count, forgetting keys that reach 0. */
function adjust(counts: Map<number, number>, key: number, delta: number): void {
	const count = (counts.get(key) ?? 0) + delta;
	if (count === 0) counts.delete(key);
	else counts.set(key, count);
}

function pagesOf(entry: CachedRegion): Set<number> {
	return new Set(entry.blocks.flatMap((b) => b.physicalPages));
}

function pageMappings(blocks: readonly DecodedBlock[]): number[] {
	const seen = new Map<number, number>();
	for (const b of blocks) {
		const first = b.linear >>> 12;
		b.physicalPages.forEach((page, i) => seen.set((first + i) & 0xfffff, page));
	}
	return [...seen].flat();
}

function physicalSpans(block: DecodedBlock): number[] {
	const last = block.instructions[block.instructions.length - 1];
	const length = ((last.linear + last.length - block.linear) >>> 0);
	const [first, second] = block.physicalPages;
	const offset = block.linear & 0xfff;
	const onFirst = Math.min(length, 4096 - offset);
	const spans = [first * 4096 + offset, first * 4096 + offset + onFirst];
	if (second !== undefined && length > onFirst) spans.push(second * 4096, second * 4096 + length - onFirst);
	return spans;
}
