// The translation lookaside buffer: one Int32Array slot per 4 KiB linear page
// holding the physical frame and the accesses already proven legal. A flush
// clears only the slots filled since the last one, so a CR3 write costs what
// the guest actually touched rather than a 4 MiB clear. A 4 MiB page fills
// its 4 KiB slots one by one as they are touched; INVLPG of any address in it
// drops them all, as the hardware drops the one large entry.

/** Access rights cached in the low bits of an entry. A write right is only cached once the dirty bit is set. */
export const enum TlbRight { SupervisorRead = 1, UserRead = 2, SupervisorWrite = 4, UserWrite = 8 }

const PAGES = 1 << 20;
const TRACKED = 4096;
/** Slots one 4 MiB page covers. */
const LARGE_SLOTS = 1024;

export class Tlb {
	/** Indexed by linear page number: frame address | TlbRight bits, 0 when empty. */
	readonly entries = new Int32Array(PAGES);
	private readonly filled = new Int32Array(TRACKED);
	private filledCount = 0;
	/** Per 4 MiB of linear space: 1 when a slot there was filled from a 4 MiB page. */
	private readonly largeRegions = new Uint8Array(PAGES / LARGE_SLOTS);
	private anyLarge = false;

	/** The access a lookup must find: the right bit for (write, user). */
	static right(write: boolean, user: boolean): number {
		return write ? (user ? TlbRight.UserWrite : TlbRight.SupervisorWrite) : (user ? TlbRight.UserRead : TlbRight.SupervisorRead);
	}

	/** `large`: the translation came from a 4 MiB page, so an INVLPG anywhere in it drops this slot too. */
	fill(page: number, frameAddress: number, rights: number, large = false): void {
		if (large) {
			this.largeRegions[page >>> 10] = 1;
			this.anyLarge = true;
		}
		if (this.entries[page] === 0) {
			if (this.filledCount < TRACKED) this.filled[this.filledCount] = page;
			this.filledCount++;
		}
		this.entries[page] = (frameAddress & ~0xfff) | rights;
	}

	flush(): void {
		if (this.filledCount > TRACKED) this.entries.fill(0);
		else for (let i = 0; i < this.filledCount; i++) this.entries[this.filled[i]] = 0;
		this.filledCount = 0;
		if (this.anyLarge) {
			this.largeRegions.fill(0);
			this.anyLarge = false;
		}
	}

	/** True when `page`'s 4 MiB of linear space holds a slot filled from a 4 MiB page. */
	coversLarge(page: number): boolean {
		return this.largeRegions[page >>> 10] === 1;
	}

	flushPage(page: number): void {
		this.entries[page] = 0;
		const region = page >>> 10;
		if (!this.largeRegions[region]) return;
		this.largeRegions[region] = 0;
		this.entries.fill(0, region * LARGE_SLOTS, (region + 1) * LARGE_SLOTS);
	}
}
