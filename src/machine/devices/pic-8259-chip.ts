// One 8259A programmable interrupt controller: eight request inputs, the
// request (IRR), in-service (ISR) and mask (IMR) registers, fully nested
// priority with optional rotation. Two of these make the PC's pair
// (pic-8259.ts), which also does the cascade.

import type { Port } from '../../x86/addresses';

export interface Pic8259ChipState {
	irr: number; isr: number; imr: number; lines: number;
	vectorBase: number; lowestPriority: number;
	initStep: number; expectIcw4: boolean; single: boolean; levelTriggered: boolean;
	autoEoi: boolean; rotateOnAutoEoi: boolean; readIsr: boolean; poll: boolean; specialMask: boolean;
}

/** Where the chip is in its initialisation sequence: ICW2, ICW3, ICW4 come on the data port after ICW1. */
const enum Init { Done = 0, Icw2 = 2, Icw3 = 3, Icw4 = 4 }

export class Pic8259Chip {
	private s: Pic8259ChipState = {
		irr: 0, isr: 0, imr: 0xff, lines: 0,
		vectorBase: 0, lowestPriority: 7,
		initStep: Init.Done, expectIcw4: false, single: false, levelTriggered: false,
		autoEoi: false, rotateOnAutoEoi: false, readIsr: false, poll: false, specialMask: false,
	};

	/** Called whenever the chip's INT output may have changed. */
	onOutputChange: () => void = () => {};

	constructor(readonly name: string) {}

	/** True when the chip has been told (ICW1 SNGL) that no other 8259 is attached. */
	get single(): boolean {
		return this.s.single;
	}

	get imr(): number { return this.s.imr; }
	get irr(): number { return this.s.irr; }
	get isr(): number { return this.s.isr; }
	get vectorBase(): number { return this.s.vectorBase; }

	isLineHigh(irq: number): boolean {
		return (this.s.lines & (1 << irq)) !== 0;
	}

	setLine(irq: number, high: boolean): void {
		const bit = 1 << irq;
		const wasHigh = (this.s.lines & bit) !== 0;
		if (high) {
			this.s.lines |= bit;
			if (this.s.levelTriggered || !wasHigh) this.s.irr |= bit;
		} else {
			this.s.lines &= ~bit;
			// A level-triggered request goes away with its line; an edge stays latched until acknowledged.
			if (this.s.levelTriggered) this.s.irr &= ~bit;
		}
		this.onOutputChange();
	}

	/** The input the chip would interrupt for now, or -1: the highest-priority unmasked request above everything in service. */
	highestDeliverable(): number {
		// Special mask mode lets lower levels through while a higher one is in service; only the in-service levels themselves wait.
		const requests = this.s.irr & ~this.s.imr & (this.s.specialMask ? ~this.s.isr : 0xff);
		if (requests === 0) return -1;
		const blocking = this.s.specialMask ? 0 : this.s.isr;
		for (let rank = 0; rank < 8; rank++) {
			const irq = (this.s.lowestPriority + 1 + rank) & 7;
			if (blocking & (1 << irq)) return -1;
			if (requests & (1 << irq)) return irq;
		}
		return -1;
	}

	/** The INTA cycle on this chip: returns the input number taken into service, or 7 for a spurious interrupt. */
	acknowledge(): { irq: number; spurious: boolean } {
		const irq = this.highestDeliverable();
		if (irq < 0) return { irq: 7, spurious: true };
		const bit = 1 << irq;
		if (!this.s.levelTriggered) this.s.irr &= ~bit;
		if (this.s.autoEoi) {
			if (this.s.rotateOnAutoEoi) this.s.lowestPriority = irq;
		} else {
			this.s.isr |= bit;
		}
		this.onOutputChange();
		return { irq, spurious: false };
	}

	read(port: Port): number {
		if ((port & 1) === 1) return this.s.imr;
		if (this.s.poll) {
			this.s.poll = false;
			const { irq, spurious } = this.acknowledge();
			return spurious ? 0 : 0x80 | irq;
		}
		return this.s.readIsr ? this.s.isr : this.s.irr;
	}

	write(port: Port, value: number): void {
		if ((port & 1) === 0) {
			if (value & 0x10) this.icw1(value);
			else if (value & 0x08) this.ocw3(value);
			else this.ocw2(value);
		} else {
			this.dataWrite(value);
		}
		this.onOutputChange();
	}

	private icw1(value: number): void {
		const s = this.s;
		s.expectIcw4 = (value & 0x01) !== 0;
		s.single = (value & 0x02) !== 0;
		s.levelTriggered = (value & 0x08) !== 0;
		// Initialisation clears the mask and in-service registers, resets priority and reads back IRR.
		s.imr = 0; s.isr = 0; s.irr = 0;
		s.lowestPriority = 7;
		s.autoEoi = false; s.rotateOnAutoEoi = false; s.readIsr = false; s.poll = false; s.specialMask = false;
		s.initStep = Init.Icw2;
	}

	private dataWrite(value: number): void {
		const s = this.s;
		switch (s.initStep) {
			case Init.Icw2:
				s.vectorBase = value & 0xf8;
				s.initStep = s.single ? (s.expectIcw4 ? Init.Icw4 : Init.Done) : Init.Icw3;
				return;
			case Init.Icw3:
				// The pair's wiring is fixed (slave on master IR2), so the cascade byte needs no keeping.
				s.initStep = s.expectIcw4 ? Init.Icw4 : Init.Done;
				return;
			case Init.Icw4:
				s.autoEoi = (value & 0x02) !== 0;
				s.initStep = Init.Done;
				return;
			default:
				s.imr = value;
		}
	}

	private ocw2(value: number): void {
		const s = this.s;
		const level = value & 7;
		switch (value >> 5) {
			case 0b001: this.endOfInterrupt(this.highestInService(), false); break;
			case 0b011: this.endOfInterrupt(level, false); break;
			case 0b101: this.endOfInterrupt(this.highestInService(), true); break;
			case 0b111: this.endOfInterrupt(level, true); break;
			case 0b100: s.rotateOnAutoEoi = true; break;
			case 0b000: s.rotateOnAutoEoi = false; break;
			case 0b110: s.lowestPriority = level; break;
			default: break; // 0b010: no operation
		}
	}

	private ocw3(value: number): void {
		if (value & 0x02) this.s.readIsr = (value & 0x01) !== 0;
		this.s.poll = (value & 0x04) !== 0;
		if (value & 0x40) this.s.specialMask = (value & 0x20) !== 0;
	}

	private highestInService(): number {
		for (let rank = 0; rank < 8; rank++) {
			const irq = (this.s.lowestPriority + 1 + rank) & 7;
			if (this.s.isr & (1 << irq)) return irq;
		}
		return -1;
	}

	private endOfInterrupt(irq: number, rotate: boolean): void {
		if (irq < 0) return;
		this.s.isr &= ~(1 << irq);
		if (rotate) this.s.lowestPriority = irq;
	}

	saveState(): Pic8259ChipState {
		return { ...this.s };
	}

	loadState(state: Pic8259ChipState): void {
		this.s = { ...state };
	}
}
