// A small seeded generator (a 32-bit xorshift-multiply mix) so that a seed
// alone reproduces a whole batch of test sequences on any machine.

export class Prng {
	private state: number;

	constructor(readonly seed: number) {
		// A zero state would be a fixed point of the mix: offset it by a constant.
		this.state = (seed ^ 0x9e3779b9) >>> 0;
	}

	/** The next 32 random bits as an unsigned number. */
	next(): number {
		let x = (this.state = (this.state + 0x6d2b79f5) >>> 0);
		x = Math.imul(x ^ (x >>> 15), x | 1);
		x ^= x + Math.imul(x ^ (x >>> 7), x | 61);
		return (x ^ (x >>> 14)) >>> 0;
	}

	/** An integer in [low, high], both included. */
	int(low: number, high: number): number {
		return low + Math.floor((this.next() / 0x100000000) * (high - low + 1));
	}

	pick<T>(items: readonly T[]): T {
		return items[this.int(0, items.length - 1)];
	}

	chance(probability: number): boolean {
		return this.next() / 0x100000000 < probability;
	}

	/** A 32-bit value biased toward the edges where flag bugs hide (0, ±1, sign boundaries, small numbers). */
	interesting(): number {
		switch (this.int(0, 7)) {
			case 0: return this.pick([0, 1, -1, 0x7fffffff, 0x80000000, 0x7f, 0x80, 0xff, 0x7fff, 0x8000, 0xffff, 0x10]) >>> 0;
			case 1: return this.int(0, 20);
			case 2: return (-this.int(1, 20)) >>> 0;
			case 3: return (this.next() & 0xff) >>> 0;
			case 4: return (this.next() & 0xffff) >>> 0;
			default: return this.next();
		}
	}
}
