// The translation lookaside buffer: one Int32Array slot per 4 KiB linear page
// holding the physical frame and the accesses already proven legal. A flush
// clears only the slots filled since the last one, so a CR3 write costs what
// the guest actually touched rather than a 4 MiB clear.

/** Access rights cached in the low bits of an entry. A write right is only cached once the dirty bit is set. */
export const enum TlbRight { SupervisorRead = 1, UserRead = 2, SupervisorWrite = 4, UserWrite = 8 }

const PAGES = 1 << 20;
const TRACKED = 4096;

export class Tlb {
	/** Indexed by linear page number: frame address | TlbRight bits, 0 when empty. */
	readonly entries = new Int32Array(PAGES);
	private readonly filled = new Int32Array(TRACKED);
	private filledCount = 0;

	/** The access a lookup must find: the right bit for (write, user). */
	static right(write: boolean, user: boolean): number {
		return write ? (user ? TlbRight.UserWrite : TlbRight.SupervisorWrite) : (user ? TlbRight.UserRead : TlbRight.SupervisorRead);
	}

	fill(page: number, frameAddress: number, rights: number): void {
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
	}

	flushPage(page: number): void {
		this.entries[page] = 0;
	}
}
