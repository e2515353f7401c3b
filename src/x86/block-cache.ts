// Compiled blocks by (linear address, CPL, emitter applies), with an index by
// the physical pages their bytes came from so a store into code drops exactly
// the blocks whose bytes it overwrites (small kernels keep variables on their
// code pages: a store there must not throw away the whole page's code).
// `codePages` is the per-page bitmap the store path tests, so ordinary stores
// cost one typed-array load.

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
	/** Per block: its bytes as physical [start, end) pairs, one pair per page. */
	private readonly spans = new Map<number, number[]>();

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
		this.spans.set(key, physicalSpans(entry.block));
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
		for (const key of keys) {
			this.byKey.delete(key);
			this.spans.delete(key);
		}
	}

	/** Drops the blocks holding any of the bytes [address, address + length); true when there were any. */
	dropWritten(address: number, length: number): boolean {
		const page = address >>> 12;
		const keys = this.byPage.get(page);
		if (!keys) {
			if (page < this.codePages.length) this.codePages[page] = 0;
			return false;
		}
		const end = address + length;
		let dropped = false;
		for (const key of keys) {
			const spans = this.spans.get(key);
			let hit = spans === undefined;
			for (let i = 0; spans && !hit && i < spans.length; i += 2) hit = address < spans[i + 1] && spans[i] < end;
			if (!hit) continue;
			keys.delete(key);
			this.byKey.delete(key);
			this.spans.delete(key);
			dropped = true;
		}
		if (keys.size === 0) {
			this.byPage.delete(page);
			if (page < this.codePages.length) this.codePages[page] = 0;
		}
		return dropped;
	}

	/** Drops blocks starting on linear page `page` or running into it. */
	dropLinearPage(page: number): void {
		for (const [key, entry] of this.byKey) {
			const first = entry.block.linear >>> 12;
			const lastIns = entry.block.instructions[entry.block.instructions.length - 1];
			const last = (lastIns.linear + lastIns.length - 1) >>> 12;
			if (first === page || last === page) {
				this.byKey.delete(key);
				this.spans.delete(key);
			}
		}
	}

	clear(): void {
		this.byKey.clear();
		this.spans.clear();
		this.byPage.clear();
		this.codePages.fill(0);
	}
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
