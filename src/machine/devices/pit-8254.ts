// The 8254 programmable interval timer at 0x40-0x43, clocked at 1.193182 MHz
// derived from virtual time. Channel 0 drives IRQ 0; channels 1 and 2 can be
// programmed and read but drive nothing (no refresh, no speaker). Counts are
// always binary: the BCD bit of the control word is ignored.

import type { Port } from '../../x86/addresses';
import type { IoSize } from '../../x86/bus';
import type { IoDevice } from '../io-port-bus';
import { deviceClockToTicks, ticksToDeviceClock, type ClockedDevice, type VirtualClock } from '../virtual-clock';
import type { IrqLines } from './irq-lines';
import { PIT_HZ, PitChannel, type PitChannelState } from './pit-channel';

export const PIT_PORT = 0x40;
const CONTROL_PORT = 0x43;
const TIMER_IRQ = 0;

export interface Pit8254State {
	channels: PitChannelState[];
	/** The PIT tick up to which channel 0's interrupts have been delivered. */
	processed: number;
}

export class Pit8254 implements IoDevice, ClockedDevice {
	readonly accessWidth = 1;
	readonly channels = [new PitChannel(), new PitChannel(), new PitChannel()];
	private processed = 0;

	constructor(private readonly clock: VirtualClock, private readonly irqs: IrqLines) {}

	/** The current PIT tick. */
	tick(): number {
		return ticksToDeviceClock(this.clock.now(), PIT_HZ);
	}

	read(port: Port, _size: IoSize): number {
		const index = port - PIT_PORT;
		return index < 3 ? this.channels[index].read(this.tick()) : 0xff;
	}

	write(port: Port, _size: IoSize, value: number): void {
		// Interrupts due before this write belong to the old programming.
		this.advanceTo(this.clock.now());
		const tick = this.tick();
		const index = port - PIT_PORT;
		if (port !== CONTROL_PORT) {
			this.channels[index].writeCount(value & 0xff, tick);
			// A one-shot count restarts with the output low until the new terminal count.
			if (index === TIMER_IRQ && !this.channels[0].periodic) this.irqs.lower(TIMER_IRQ);
			return;
		}
		const select = value >> 6;
		if (select === 3) {
			this.readBack(value, tick);
			return;
		}
		const channel = this.channels[select];
		if (((value >> 4) & 3) === 0) {
			channel.latchCount(tick);
			return;
		}
		channel.program(value);
		if (select === TIMER_IRQ) this.irqs.lower(TIMER_IRQ);
	}

	advanceTo(now: number): void {
		const tick = ticksToDeviceClock(now, PIT_HZ);
		const timer = this.channels[0];
		const edge = timer.nextEdgeAfter(this.processed);
		if (edge !== undefined && edge <= tick) {
			// Edges missed since the last call coalesce into one request, as the PIC's IRR would.
			this.irqs.raise(TIMER_IRQ);
			if (timer.periodic) this.irqs.lower(TIMER_IRQ);
		}
		this.processed = Math.max(this.processed, tick);
	}

	nextDeadline(_now: number): number | undefined {
		const edge = this.channels[0].nextEdgeAfter(this.processed);
		return edge === undefined ? undefined : deviceClockToTicks(edge, PIT_HZ);
	}

	saveState(): Pit8254State {
		return { channels: this.channels.map((c) => ({ ...c.s })), processed: this.processed };
	}

	loadState(state: Pit8254State): void {
		state.channels.forEach((s, i) => { this.channels[i].s = { ...s }; });
		this.processed = state.processed;
	}

	/** Read-back command: latches count and/or status of the selected channels (bits 5 and 4 are active low). */
	private readBack(value: number, tick: number): void {
		for (let i = 0; i < 3; i++) {
			if (!(value & (2 << i))) continue;
			if (!(value & 0x10)) this.channels[i].latchStatus(tick);
			if (!(value & 0x20)) this.channels[i].latchCount(tick);
		}
	}
}
