// GuestMachine over the real thing: a Pc run by a Monitor. Translates the
// monitor's views into the debugger's shapes and gives the debugger the few
// writes it may make (general registers, EIP, arithmetic flags).

import { linear, type LinearAddress } from '../x86/addresses';
import { Flag, REG_NAMES, SEG_NAMES, type SegmentCache } from '../x86/registers';
import type { Pc } from '../machine/pc';
import type { MonitorEventStream } from '../vmm/events';
import type { Monitor } from '../vmm/monitor';
import type { SegmentView } from '../vmm/views';
import { disassemble } from './disassembler';
import type { GuestMachine, GuestRegisters, HardwareRegisters, LoadedGuest, RunResult, TranslatedBlockView } from './guest-machine';
import type { Virtualization } from './launch-config';

const ARITHMETIC_FLAGS = Flag.CF | Flag.PF | Flag.AF | Flag.ZF | Flag.SF | Flag.DF | Flag.OF;
const PAGE = 0x1000;

/** A guest-visible segment: the monitor's view, with the attributes compression leaves alone from the hardware cache. */
function segmentFrom(view: SegmentView, hardware: SegmentCache): SegmentCache {
	return { ...view, system: hardware.system, present: hardware.present, big: hardware.big };
}

function listingKind(line: string): 'ident' | 'callout' | 'inline' {
	const word = line.trimStart().split(/\s+/)[0]?.toUpperCase();
	return word === 'IDENT' ? 'ident' : word === 'CALLOUT' ? 'callout' : 'inline';
}

export class MonitorGuestMachine implements GuestMachine {
	readonly events: MonitorEventStream;

	constructor(private readonly pc: Pc, private readonly monitor: Monitor, readonly virtualization: Virtualization, readonly program: LoadedGuest) {
		this.events = monitor.events;
	}

	get instructionCount(): number {
		return this.pc.cpu.instructionCount;
	}

	run(maxInstructions: number): RunResult {
		return this.monitor.run(maxInstructions);
	}

	step(): RunResult {
		return this.monitor.step();
	}

	requestStop(): void {
		this.monitor.requestStop();
	}

	setBreakpoints(addresses: LinearAddress[]): void {
		this.monitor.setBreakpoints(addresses);
	}

	guest(): GuestRegisters {
		const view = this.monitor.guestView();
		const cpu = this.pc.cpu;
		return {
			regs: REG_NAMES.map((name) => view.registers[name]),
			eip: view.eip,
			eflags: view.eflags,
			seg: SEG_NAMES.map((name, i) => segmentFrom(view.segments[name], cpu.seg[i])),
			cr0: view.cr0, cr2: view.cr2, cr3: view.cr3, cr4: view.cr4,
			gdtr: view.gdtr, idtr: view.idtr,
			ldtr: { ...view.ldtr, system: true, present: view.ldtr.usable, big: false },
			tr: { ...view.tr, system: true, present: view.tr.usable, big: false },
			cpl: view.cpl,
		};
	}

	hardware(): HardwareRegisters {
		const view = this.monitor.monitorView();
		const blocks = this.monitor.translationCache.blocks();
		return {
			cpl: view.cpl,
			eflags: view.eflags,
			selectors: SEG_NAMES.map((name) => view.segments[name].selector),
			executionMode: view.execution,
			shadowPaging: view.shadowPaging,
			cache: {
				blocks: view.translationCache.blocks,
				rewritten: blocks.reduce((sum, b) => sum + b.rewrittenCount, 0),
				flushes: view.translationCache.flushes,
				executions: view.translationCache.executions,
			},
		};
	}

	setGeneralRegister(index: number, value: number): void {
		this.pc.cpu.regs[index] = value | 0;
	}

	setEip(value: number): void {
		this.pc.cpu.eip = value >>> 0;
	}

	setArithmeticFlags(eflags: number): void {
		const cpu = this.pc.cpu;
		cpu.setEflags((cpu.getEflags() & ~ARITHMETIC_FLAGS) | (eflags & ARITHMETIC_FLAGS));
	}

	readLinear(address: number, length: number): Uint8Array {
		const out = new Uint8Array(length);
		let done = 0;
		// Page by page, so a read that runs into an unmapped page still returns what precedes it.
		while (done < length) {
			const at = (address + done) >>> 0;
			const chunk = Math.min(length - done, PAGE - (at & (PAGE - 1)));
			const bytes = this.monitor.readGuestLinear(linear(at), chunk);
			if (!bytes) break;
			out.set(bytes, done);
			done += chunk;
		}
		return out.subarray(0, done);
	}

	translatedBlocks(): TranslatedBlockView[] {
		return this.monitor.translationCache.blocks().map((b) => {
			const guest = disassemble(this.readLinear(b.start, b.end - b.start), b.start, b.instructionCount)
				.map((ins) => ({ address: ins.address, bytes: ins.bytes, text: ins.text, instructionClass: ins.instructionClass }));
			return {
				id: b.start >>> 0, guestStart: b.start >>> 0, guestEnd: b.end >>> 0,
				instructions: b.instructionCount, rewritten: b.rewrittenCount, executions: b.executions,
				guest, translation: b.listing.map((text) => ({ text, kind: listingKind(text) })),
			};
		});
	}

	onSerialOutput(listener: (byte: number) => void): void {
		this.pc.uart.onTransmit(listener);
	}

	serialInput(bytes: Uint8Array): void {
		this.pc.uart.receive(bytes);
	}
}
