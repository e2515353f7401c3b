// A 16550A UART (COM1 at 0x3F8, IRQ 4). Transmission is instantaneous: a byte
// written to THR goes straight to the listeners (or, in loopback, back into
// the receiver), so THR is always empty again by the time the guest looks.
// Host input waits in an unbounded queue and enters the receiver as room
// frees, so pasting a long line loses nothing.

import type { Port } from '../../x86/addresses';
import type { IoSize } from '../../x86/bus';
import type { IoDevice } from '../io-port-bus';
import type { IrqLines } from './irq-lines';

export const COM1_PORT = 0x3f8;
export const COM1_IRQ = 4;
const FIFO_SIZE = 16;
const TRIGGER_LEVELS = [1, 4, 8, 14];

const enum Ier { ReceivedData = 1, ThrEmpty = 2, LineStatus = 4, ModemStatus = 8 }
const enum Lsr { DataReady = 0x01, Overrun = 0x02, ThrEmpty = 0x20, TransmitterEmpty = 0x40, FifoError = 0x80 }
const enum Mcr { Dtr = 1, Rts = 2, Out1 = 4, Out2 = 8, Loop = 0x10 }
/** IIR interrupt identification, highest priority first. */
const enum Iir { None = 0x01, LineStatus = 0x06, ReceivedData = 0x04, CharacterTimeout = 0x0c, ThrEmpty = 0x02, ModemStatus = 0x00 }

export interface Uart16550State {
	ier: number; lcr: number; mcr: number; scr: number; divisor: number;
	fifoEnabled: boolean; triggerLevel: number;
	rx: number[]; hostInput: number[];
	overrun: boolean; thrEmptyPending: boolean; msrDeltas: number;
}

export class Uart16550 implements IoDevice {
	readonly accessWidth = 1;
	private s: Uart16550State = {
		ier: 0, lcr: 0, mcr: 0, scr: 0, divisor: 12,
		fifoEnabled: false, triggerLevel: 1,
		rx: [], hostInput: [],
		overrun: false, thrEmptyPending: false, msrDeltas: 0,
	};
	private readonly transmitListeners = new Set<(byte: number) => void>();

	constructor(private readonly irqs: IrqLines, private readonly irq = COM1_IRQ, private readonly base = COM1_PORT) {}

	/** Calls `listener` with every byte the guest transmits; returns the unsubscribe function. */
	onTransmit(listener: (byte: number) => void): () => void {
		this.transmitListeners.add(listener);
		return () => this.transmitListeners.delete(listener);
	}

	/** Bytes typed by the host user, delivered to the guest in order. */
	receive(bytes: Uint8Array | readonly number[]): void {
		for (const byte of bytes) this.s.hostInput.push(byte & 0xff);
		this.refillFromHost();
		this.updateIrq();
	}

	/** The baud rate the guest programmed (115200 / divisor). */
	get baudRate(): number {
		return this.s.divisor === 0 ? 0 : 115200 / this.s.divisor;
	}

	read(port: Port, _size: IoSize): number {
		const value = this.readRegister(port - this.base);
		this.updateIrq();
		return value;
	}

	write(port: Port, _size: IoSize, value: number): void {
		this.writeRegister(port - this.base, value & 0xff);
		this.updateIrq();
	}

	saveState(): Uart16550State {
		return { ...this.s, rx: [...this.s.rx], hostInput: [...this.s.hostInput] };
	}

	loadState(state: Uart16550State): void {
		this.s = { ...state, rx: [...state.rx], hostInput: [...state.hostInput] };
		this.updateIrq();
	}

	private get dlab(): boolean {
		return (this.s.lcr & 0x80) !== 0;
	}

	private get loopback(): boolean {
		return (this.s.mcr & Mcr.Loop) !== 0;
	}

	private readRegister(offset: number): number {
		const s = this.s;
		switch (offset) {
			case 0:
				if (this.dlab) return s.divisor & 0xff;
				return this.takeReceived();
			case 1:
				return this.dlab ? s.divisor >> 8 : s.ier;
			case 2: {
				const id = this.interruptId();
				// Reading IIR is what acknowledges a THR-empty interrupt.
				if (id === Iir.ThrEmpty) s.thrEmptyPending = false;
				return id | (s.fifoEnabled ? 0xc0 : 0);
			}
			case 3: return s.lcr;
			case 4: return s.mcr;
			case 5: {
				const lsr = this.lineStatus();
				s.overrun = false;
				return lsr;
			}
			case 6: {
				const msr = this.modemStatus() | s.msrDeltas;
				s.msrDeltas = 0;
				return msr;
			}
			default: return s.scr;
		}
	}

	private writeRegister(offset: number, value: number): void {
		const s = this.s;
		switch (offset) {
			case 0:
				if (this.dlab) s.divisor = (s.divisor & 0xff00) | value;
				else this.transmit(value);
				return;
			case 1:
				if (this.dlab) {
					s.divisor = (s.divisor & 0xff) | (value << 8);
					return;
				}
				// Enabling the THR-empty interrupt while THR is empty (always, here) requests it at once.
				if (value & Ier.ThrEmpty && !(s.ier & Ier.ThrEmpty)) s.thrEmptyPending = true;
				s.ier = value & 0x0f;
				return;
			case 2: this.fifoControl(value); return;
			case 3: s.lcr = value; return;
			case 4: this.modemControl(value & 0x1f); return;
			case 5: case 6: return; // LSR and MSR are read-only (factory test writes are not modelled)
			default: s.scr = value;
		}
	}

	private transmit(byte: number): void {
		if (this.loopback) this.pushReceived(byte);
		else for (const listener of this.transmitListeners) listener(byte);
		this.s.thrEmptyPending = true;
	}

	private fifoControl(value: number): void {
		const s = this.s;
		const enable = (value & 1) !== 0;
		// Switching the FIFOs on or off empties them, like the clear bits do.
		if (enable !== s.fifoEnabled || value & 0x02) s.rx = [];
		s.fifoEnabled = enable;
		s.triggerLevel = TRIGGER_LEVELS[value >> 6];
		this.refillFromHost();
	}

	private modemControl(value: number): void {
		const before = this.modemStatus();
		this.s.mcr = value;
		const after = this.modemStatus();
		const changed = before ^ after;
		// Delta bits: CTS, DSR and DCD on any change, RI (trailing edge) only when it falls.
		this.s.msrDeltas |= ((changed >> 4) & 0x0b) | ((before & ~after & 0x40) ? 0x04 : 0);
		this.refillFromHost();
	}

	/** MSR status bits: in loopback they echo MCR; otherwise a connected line (CTS, DSR, DCD). */
	private modemStatus(): number {
		const mcr = this.s.mcr;
		if (!(mcr & Mcr.Loop)) return 0xb0;
		return ((mcr & Mcr.Rts) ? 0x10 : 0) | ((mcr & Mcr.Dtr) ? 0x20 : 0) | ((mcr & Mcr.Out1) ? 0x40 : 0) | ((mcr & Mcr.Out2) ? 0x80 : 0);
	}

	private lineStatus(): number {
		const s = this.s;
		return (s.rx.length > 0 ? Lsr.DataReady : 0) | (s.overrun ? Lsr.Overrun : 0) | Lsr.ThrEmpty | Lsr.TransmitterEmpty;
	}

	private get capacity(): number {
		return this.s.fifoEnabled ? FIFO_SIZE : 1;
	}

	private pushReceived(byte: number): void {
		if (this.s.rx.length >= this.capacity) {
			this.s.overrun = true;
			return;
		}
		this.s.rx.push(byte);
	}

	private takeReceived(): number {
		const byte = this.s.rx.shift() ?? 0;
		this.refillFromHost();
		return byte;
	}

	/** Host input is held back while in loopback: the receiver is disconnected from the line. */
	private refillFromHost(): void {
		const s = this.s;
		if (this.loopback) return;
		while (s.hostInput.length > 0 && s.rx.length < this.capacity) s.rx.push(s.hostInput.shift()!);
	}

	private interruptId(): Iir {
		const s = this.s;
		if (s.ier & Ier.LineStatus && s.overrun) return Iir.LineStatus;
		if (s.ier & Ier.ReceivedData && s.rx.length > 0) {
			// Input arrives all at once, so a FIFO below its trigger level has already "timed out".
			return !s.fifoEnabled || s.rx.length >= s.triggerLevel ? Iir.ReceivedData : Iir.CharacterTimeout;
		}
		if (s.ier & Ier.ThrEmpty && s.thrEmptyPending) return Iir.ThrEmpty;
		if (s.ier & Ier.ModemStatus && s.msrDeltas) return Iir.ModemStatus;
		return Iir.None;
	}

	/** OUT2 gates the UART's interrupt onto the ISA bus, as on every PC serial card. */
	private updateIrq(): void {
		if (this.interruptId() !== Iir.None && this.s.mcr & Mcr.Out2) this.irqs.raise(this.irq);
		else this.irqs.lower(this.irq);
	}
}
