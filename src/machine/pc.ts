// The emulated PC: RAM, the ISA I/O space with its devices, the virtual clock
// and the CPU, wired as on an AT: PIT on IRQ 0, COM1 on IRQ 4, the 8259 pair
// feeding the CPU's interrupt line, QEMU's debug-exit port for ending runs.

import { Cpu } from '../x86/cpu';
import { IoPortBus } from './io-port-bus';
import { PhysicalMemory, type PhysicalMemoryState } from './physical-memory';
import { VirtualClock, type VirtualClockState } from './virtual-clock';
import { DEBUG_EXIT_PORT, DebugExit, type DebugExitState } from './devices/debug-exit';
import { MASTER_PIC_PORT, Pic8259, SLAVE_PIC_PORT, type Pic8259State } from './devices/pic-8259';
import { PIT_PORT, Pit8254, type Pit8254State } from './devices/pit-8254';
import { POST_CODE_PORT, PostCodePort } from './devices/post-code-port';
import { COM1_PORT, Uart16550, type Uart16550State } from './devices/uart-16550';

export interface PcOptions {
	/** Guest RAM in MiB. */
	memoryMiB: number;
}

export interface PcState {
	memory: PhysicalMemoryState;
	cpu: ReturnType<Cpu['saveState']>;
	clock: VirtualClockState;
	pic: Pic8259State;
	pit: Pit8254State;
	uart: Uart16550State;
	debugExit: DebugExitState;
	postCode: { lastCode: number };
}

export class Pc {
	readonly memory: PhysicalMemory;
	readonly io = new IoPortBus();
	readonly pic = new Pic8259();
	readonly cpu: Cpu;
	readonly clock: VirtualClock;
	readonly pit: Pit8254;
	readonly uart: Uart16550;
	readonly debugExit = new DebugExit();
	readonly postCode = new PostCodePort();

	constructor(options: PcOptions) {
		this.memory = new PhysicalMemory(options.memoryMiB);
		this.cpu = new Cpu(this.memory, this.io, this.pic);
		this.clock = new VirtualClock(() => this.cpu.instructionCount);
		this.pit = new Pit8254(this.clock, this.pic);
		this.uart = new Uart16550(this.pic);
		this.clock.attach(this.pit);

		this.io.register('8259 master', MASTER_PIC_PORT, 2, this.pic.ports(this.pic.master));
		this.io.register('8259 slave', SLAVE_PIC_PORT, 2, this.pic.ports(this.pic.slave));
		this.io.register('8254 PIT', PIT_PORT, 4, this.pit);
		this.io.register('COM1 16550', COM1_PORT, 8, this.uart);
		this.io.register('POST code', POST_CODE_PORT, 1, this.postCode);
		this.io.register('debug exit', DEBUG_EXIT_PORT, 4, this.debugExit);
	}

	/** Brings the devices up to the current virtual time; the run loop calls it at block boundaries. */
	advanceDevices(): void {
		this.clock.advance();
	}

	saveState(): PcState {
		return {
			memory: this.memory.saveState(),
			cpu: this.cpu.saveState(),
			clock: this.clock.saveState(),
			pic: this.pic.saveState(),
			pit: this.pit.saveState(),
			uart: this.uart.saveState(),
			debugExit: this.debugExit.saveState(),
			postCode: this.postCode.saveState(),
		};
	}

	loadState(state: PcState): void {
		this.memory.loadState(state.memory);
		this.cpu.loadState(state.cpu);
		this.clock.loadState(state.clock);
		this.pic.loadState(state.pic);
		this.pit.loadState(state.pit);
		this.uart.loadState(state.uart);
		this.debugExit.loadState(state.debugExit);
		this.postCode.loadState(state.postCode);
	}
}
