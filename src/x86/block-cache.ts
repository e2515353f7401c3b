// Compiled blocks by (linear address, CPL, emitter applies), with an index by
// the physical pages their bytes came from so a store into code drops exactly
// the blocks it affects. `codePages` is the per-page bitmap the store path
// tests, so ordinary stores cost one typed-array load.

import type { BlockFunction } from './block-compiler';
import type { DecodedBlock } from './decoded-instruction';

export interface CachedBlock {
	block: DecodedBlock;
	run: BlockFunction;
}

export class BlockCache {
	/** 1 for each physical RAM page holding decoded code. */
	readonly codePages: Uint8Array;
	private readonly byKey = new Map<number, CachedBlock>();
	private readonly byPage = new Map<number, Set<number>>();

	constructor(ramBytes: number) {
		this.codePages = new Uint8Array(Math.ceil(ramBytes / 4096));
	}

	static key(linear: number, cpl: number, emitted: boolean): number {
		return (linear >>> 0) + 2 ** 32 * (cpl * 2 + (emitted ? 1 : 0));
	}

	get size(): number {
		return this.byKey.size;
	}

	get(key: number): CachedBlock | undefined {
		return this.byKey.get(key);
	}

	add(key: number, entry: CachedBlock): void {
		this.byKey.set(key, entry);
		for (const page of entry.block.physicalPages) {
			let keys = this.byPage.get(page);
			if (!keys) this.byPage.set(page, (keys = new Set()));
			keys.add(key);
			if (page < this.codePages.length) this.codePages[page] = 1;
		}
	}

	/** Drops every block with bytes on physical page `page`. */
	dropPage(page: number): void {
		const keys = this.byPage.get(page);
		if (page < this.codePages.length) this.codePages[page] = 0;
		if (!keys) return;
		this.byPage.delete(page);
		for (const key of keys) this.byKey.delete(key);
	}

	/** Drops blocks starting on linear page `page` or running into it. */
	dropLinearPage(page: number): void {
		for (const [key, entry] of this.byKey) {
			const first = entry.block.linear >>> 12;
			const lastIns = entry.block.instructions[entry.block.instructions.length - 1];
			const last = (lastIns.linear + lastIns.length - 1) >>> 12;
			if (first === page || last === page) this.byKey.delete(key);
		}
	}

	clear(): void {
		this.byKey.clear();
		this.byPage.clear();
		this.codePages.fill(0);
	}
}
