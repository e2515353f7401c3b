// The PC/AT pair of 8259s: master at 0x20/0x21 (IRQ 0-7), slave at 0xA0/0xA1
// (IRQ 8-15) cascaded into master input 2. The master's INT output is the
// CPU's interrupt line.

import type { Port } from '../../x86/addresses';
import type { InterruptLine, IoSize } from '../../x86/bus';
import type { IoDevice } from '../io-port-bus';
import type { IrqLines } from './irq-lines';
import { Pic8259Chip, type Pic8259ChipState } from './pic-8259-chip';

export const MASTER_PIC_PORT = 0x20;
export const SLAVE_PIC_PORT = 0xa0;
const CASCADE_INPUT = 2;

export interface Pic8259State {
	master: Pic8259ChipState;
	slave: Pic8259ChipState;
}

export class Pic8259 implements InterruptLine, IrqLines {
	readonly master = new Pic8259Chip('master');
	readonly slave = new Pic8259Chip('slave');

	constructor() {
		// The slave's INT output drives master IR2; a new edge there is what lets a second slave interrupt through.
		this.slave.onOutputChange = () => {
			const high = this.slave.highestDeliverable() >= 0;
			if (high !== this.master.isLineHigh(CASCADE_INPUT)) this.master.setLine(CASCADE_INPUT, high);
		};
	}

	/** Port handlers for `IoPortBus.register`: one per chip. */
	ports(chip: Pic8259Chip): IoDevice {
		return {
			accessWidth: 1,
			read: (port: Port, _size: IoSize) => chip.read(port),
			write: (port: Port, _size: IoSize, value: number) => chip.write(port, value & 0xff),
		};
	}

	raise(irq: number): void {
		this.chipFor(irq).setLine(irq & 7, true);
	}

	lower(irq: number): void {
		this.chipFor(irq).setLine(irq & 7, false);
	}

	pending(): boolean {
		return this.master.highestDeliverable() >= 0;
	}

	acknowledge(): number {
		const taken = this.master.acknowledge();
		if (taken.irq === CASCADE_INPUT && !taken.spurious && !this.master.single) {
			return this.slave.vectorBase + this.slave.acknowledge().irq;
		}
		return this.master.vectorBase + taken.irq;
	}

	saveState(): Pic8259State {
		return { master: this.master.saveState(), slave: this.slave.saveState() };
	}

	loadState(state: Pic8259State): void {
		this.master.loadState(state.master);
		this.slave.loadState(state.slave);
	}

	private chipFor(irq: number): Pic8259Chip {
		if (!Number.isInteger(irq) || irq < 0 || irq > 15) throw new RangeError(`IRQ ${irq} does not exist on the PC's 8259 pair (0-15)`);
		return irq < 8 ? this.master : this.slave;
	}
}
