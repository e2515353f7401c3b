// The binary translator's cache: one entry per translated guest block, with
// what the debugger shows about it. Bounded: when full it is flushed whole
// (simple, and what early VMware did on overflow); the CPU's own compiled
// code is dropped with it through the `onFlush` callback, so every block is
// translated again (and registered again) when it next runs.

import type { LinearAddress } from '../x86/addresses';

export interface TranslatedBlockInfo {
	start: LinearAddress;
	/** One past the last guest byte. */
	end: LinearAddress;
	instructionCount: number;
	/** Instructions replaced by callouts. */
	rewrittenCount: number;
	executions: number;
	/** Guest disassembly, one line per instruction: "00101000  mov eax, cr0". */
	guestDisassembly: string[];
	/** The translation, one line per instruction: "IDENT    add eax, ebx", "CALLOUT  emulate popfd (virtual IF)". */
	listing: string[];
}

export const DEFAULT_TRANSLATION_CACHE_CAPACITY = 4096;

/** Guest-physical bytes [first, end). */
export type PhysicalRange = readonly [number, number];

export class TranslationCache {
	private readonly entries = new Map<number, TranslatedBlockInfo>();
	/** Guest-physical byte ranges [first, end) each entry's code came from: a store there retires the entry. */
	private readonly sources = new Map<number, readonly PhysicalRange[]>();
	/**
	 * Guest-physical page number -> (entry start, first, end) triples of the code ranges there, flat: a store
	 * to a page holding code (a kernel's data beside its text) looks at that page's ranges alone.
	 */
	private readonly byPage = new Map<number, number[]>();
	flushes = 0;

	constructor(readonly capacity = DEFAULT_TRANSLATION_CACHE_CAPACITY, private readonly onFlush: () => void = () => {}) {}

	/**
	 * Records a translation that has just run for the first time, flushing
	 * everything first when the cache is full. A block cut short by a small run
	 * budget (a single step) is a prefix of the translation already cached at its
	 * address: that one keeps counting. Returns the entry that counts executions.
	 */
	register(info: TranslatedBlockInfo, source: readonly PhysicalRange[] = []): TranslatedBlockInfo {
		const existing = this.entries.get(info.start);
		if (existing && isPrefix(info.guestDisassembly, existing.guestDisassembly)) return existing;
		if (this.entries.size >= this.capacity && !existing) this.flush();
		if (existing) this.remove(info.start);
		this.entries.set(info.start, info);
		this.sources.set(info.start, source);
		for (const [first, end] of source) {
			for (let page = Math.floor(first / 4096); page * 4096 < end; page++) {
				let ranges = this.byPage.get(page);
				if (ranges === undefined) this.byPage.set(page, (ranges = []));
				ranges.push(info.start, first, end);
			}
		}
		return info;
	}

	/** A guest store hit RAM holding translated code: the CPU has dropped those translations, so the listing drops them too. */
	dropPhysical(address: number, length: number): void {
		const end = address + Math.max(length, 1);
		for (let page = Math.floor(address / 4096); page * 4096 < end; page++) {
			const ranges = this.byPage.get(page);
			if (ranges === undefined) continue;
			let hit: number[] | undefined;
			for (let i = 0; i < ranges.length; i += 3) if (address < ranges[i + 2] && end > ranges[i + 1]) (hit ??= []).push(ranges[i]);
			if (hit !== undefined) for (const start of hit) this.remove(start);
		}
	}

	/** Drops the entries whose guest range holds `linear` (the instruction is being retranslated). */
	dropContaining(linear: number): void {
		for (const [start, info] of this.entries) {
			if (linear >= info.start && linear < info.end) this.remove(start);
		}
	}

	private remove(start: number): void {
		for (const [first, end] of this.sources.get(start) ?? []) {
			for (let page = Math.floor(first / 4096); page * 4096 < end; page++) {
				const ranges = this.byPage.get(page);
				if (ranges === undefined) continue;
				const kept = ranges.filter((_, i) => ranges[i - (i % 3)] !== start);
				if (kept.length === 0) this.byPage.delete(page);
				else this.byPage.set(page, kept);
			}
		}
		this.entries.delete(start);
		this.sources.delete(start);
	}

	get(start: number): TranslatedBlockInfo | undefined {
		return this.entries.get(start);
	}

	flush(): void {
		this.entries.clear();
		this.sources.clear();
		this.byPage.clear();
		this.flushes++;
		this.onFlush();
	}

	blocks(): TranslatedBlockInfo[] {
		return [...this.entries.values()].sort((a, b) => a.start - b.start);
	}

	get size(): number {
		return this.entries.size;
	}

	totalExecutions(): number {
		let total = 0;
		for (const e of this.entries.values()) total += e.executions;
		return total;
	}
}

function isPrefix(lines: readonly string[], of: readonly string[]): boolean {
	return lines.length <= of.length && lines.every((line, i) => line === of[i]);
}
