/** The interrupt request inputs of the PIC pair (IRQ 0-15), as devices drive them. */
export interface IrqLines {
	/** Drives the line high: a rising edge requests an interrupt. */
	raise(irq: number): void;
	lower(irq: number): void;
}
