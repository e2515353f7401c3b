// One counter of the 8254. Nothing ticks: the channel remembers the PIT tick
// at which it was loaded and computes its count and output from the current
// tick, so reading it costs the same after a second or an hour of guest time.

export const PIT_HZ = 1_193_182;

/** Which bytes of the 16-bit count the port transfers (control word bits 5-4). */
export const enum Access { Latch = 0, Low = 1, High = 2, LowHigh = 3 }

export interface PitChannelState {
	mode: number;
	access: Access;
	/** The programmed count; 0 means 65536. */
	reload: number;
	/** PIT tick at which the current count was loaded, or -1 while waiting for a count. */
	start: number;
	/** Low byte of a lo/hi count written while the high byte is still to come. */
	pendingLow: number | undefined;
	/** The second read of a lo/hi pair returns the high byte. */
	readHigh: boolean;
	latched: number | undefined;
	latchedHighNext: boolean;
	status: number | undefined;
}

export class PitChannel {
	s: PitChannelState = {
		mode: 0, access: Access.LowHigh, reload: 0, start: -1,
		pendingLow: undefined, readHigh: false, latched: undefined, latchedHighNext: false, status: undefined,
	};

	/** The counting period in PIT ticks. */
	get period(): number {
		return this.s.reload === 0 ? 0x10000 : this.s.reload;
	}

	get counting(): boolean {
		return this.s.start >= 0;
	}

	/** Modes 6 and 7 are the hardware's aliases of 2 and 3; modes 1, 4 and 5 count once like mode 0 (the gate is always high). */
	get periodic(): boolean {
		return this.s.mode === 2 || this.s.mode === 3;
	}

	program(control: number): void {
		const access = ((control >> 4) & 3) as Access;
		const mode = (control >> 1) & 7;
		this.s = {
			...this.s,
			mode: mode >= 6 ? mode - 4 : mode,
			access,
			start: -1,
			pendingLow: undefined,
			readHigh: false,
			latched: undefined,
			status: undefined,
		};
	}

	latchCount(tick: number): void {
		if (this.s.latched === undefined) {
			this.s.latched = this.count(tick);
			this.s.latchedHighNext = false;
		}
	}

	latchStatus(tick: number): void {
		if (this.s.status !== undefined) return;
		const output = this.output(tick) ? 0x80 : 0;
		const nullCount = this.counting ? 0 : 0x40;
		this.s.status = output | nullCount | (this.s.access << 4) | (this.s.mode << 1);
	}

	/** Takes one byte of a count; the completed count restarts counting at `tick`. */
	writeCount(value: number, tick: number): void {
		const s = this.s;
		switch (s.access) {
			case Access.Low: s.reload = value; break;
			case Access.High: s.reload = value << 8; break;
			default:
				if (s.pendingLow === undefined) {
					s.pendingLow = value;
					// Mode 0 stops counting between the two bytes.
					if (s.mode === 0) s.start = -1;
					return;
				}
				s.reload = s.pendingLow | (value << 8);
				s.pendingLow = undefined;
		}
		s.start = tick;
	}

	read(tick: number): number {
		const s = this.s;
		if (s.status !== undefined) {
			const status = s.status;
			s.status = undefined;
			return status;
		}
		const value = s.latched ?? this.count(tick);
		let high: boolean;
		if (s.access === Access.LowHigh) {
			high = s.latched !== undefined ? s.latchedHighNext : s.readHigh;
			if (s.latched !== undefined) {
				if (high) s.latched = undefined;
				else s.latchedHighNext = true;
			} else {
				s.readHigh = !s.readHigh;
			}
		} else {
			high = s.access === Access.High;
			s.latched = undefined;
		}
		return high ? (value >> 8) & 0xff : value & 0xff;
	}

	/** The counter's value at `tick` (what a latch would capture). */
	count(tick: number): number {
		if (!this.counting) return this.s.reload;
		const elapsed = tick - this.s.start;
		const period = this.period;
		if (!this.periodic) return (period - elapsed) & 0xffff;
		const phase = elapsed % period;
		// Mode 3 counts down by two, through the count once per half period.
		if (this.s.mode === 3) return (period - 2 * (phase % Math.ceil(period / 2))) & 0xffff;
		return (period - phase) & 0xffff;
	}

	output(tick: number): boolean {
		if (!this.counting) return this.s.mode !== 0;
		const elapsed = tick - this.s.start;
		const period = this.period;
		if (!this.periodic) return elapsed >= period;
		const phase = elapsed % period;
		if (this.s.mode === 3) return phase < Math.ceil(period / 2);
		return phase !== period - 1;
	}

	/** The first PIT tick after `tick` at which the output makes the rising edge that requests an interrupt. */
	nextEdgeAfter(tick: number): number | undefined {
		if (!this.counting) return undefined;
		const elapsed = Math.max(0, tick - this.s.start);
		const period = this.period;
		if (!this.periodic) return elapsed < period ? this.s.start + period : undefined;
		return this.s.start + (Math.floor(elapsed / period) + 1) * period;
	}
}
