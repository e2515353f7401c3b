// Virtual time. The guest's retired instruction count is the clock, at a
// nominal 100 MHz (one instruction = 10 ns), so a run is the same every time
// whatever the host's speed. Time also moves when a halted CPU skips ahead to
// the next device deadline: that idle time is kept apart so the instruction
// count itself stays honest.

/** A device that does things at points in virtual time. */
export interface ClockedDevice {
	/** Performs everything due at or before `now` (raises interrupts, moves counters). */
	advanceTo(now: number): void;
	/** The virtual time at which the device next needs `advanceTo`, or undefined if never on its own. */
	nextDeadline(now: number): number | undefined;
}

export const NANOSECONDS_PER_TICK = 10;
export const TICKS_PER_SECOND = 100_000_000;

export interface VirtualClockState {
	idleTicks: number;
}

export class VirtualClock {
	private readonly devices: ClockedDevice[] = [];
	private idleTicks = 0;

	constructor(private readonly instructionCount: () => number) {}

	/** Virtual time in ticks of 10 ns. */
	now(): number {
		return this.instructionCount() + this.idleTicks;
	}

	nanoseconds(): number {
		return this.now() * NANOSECONDS_PER_TICK;
	}

	attach(device: ClockedDevice): void {
		this.devices.push(device);
	}

	/** Brings every device up to the current virtual time. */
	advance(): void {
		const now = this.now();
		for (const device of this.devices) device.advanceTo(now);
	}

	/** The earliest time any device needs attention, or undefined when none will on its own. */
	nextDeadline(): number | undefined {
		const now = this.now();
		let earliest: number | undefined;
		for (const device of this.devices) {
			const deadline = device.nextDeadline(now);
			if (deadline !== undefined && (earliest === undefined || deadline < earliest)) earliest = deadline;
		}
		return earliest;
	}

	/** Lets time pass without instructions (a halted CPU waiting for an interrupt). Never goes backwards. */
	skipTo(time: number): void {
		const now = this.now();
		if (time > now) this.idleTicks += time - now;
	}

	saveState(): VirtualClockState {
		return { idleTicks: this.idleTicks };
	}

	loadState(state: VirtualClockState): void {
		this.idleTicks = state.idleTicks;
	}
}

/**
 * Converts virtual ticks to ticks of a device clock of `hz`, exactly (floor), without
 * overflowing 2^53 on long runs: the quotient and the remainder by one second are scaled apart.
 */
export function ticksToDeviceClock(ticks: number, hz: number): number {
	const seconds = Math.floor(ticks / TICKS_PER_SECOND);
	const rest = ticks - seconds * TICKS_PER_SECOND;
	return seconds * hz + Math.floor((rest * hz) / TICKS_PER_SECOND);
}

/** The first virtual tick at which a device clock of `hz` has reached `deviceTicks`. */
export function deviceClockToTicks(deviceTicks: number, hz: number): number {
	const seconds = Math.floor(deviceTicks / hz);
	const rest = deviceTicks - seconds * hz;
	return seconds * TICKS_PER_SECOND + Math.ceil((rest * TICKS_PER_SECOND) / hz);
}
