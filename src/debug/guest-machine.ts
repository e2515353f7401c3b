// The narrow view of a loaded guest that the runtime, the session and the CLI
// use; MonitorGuestMachine implements it over the real Pc and Monitor, so a
// change in a lower layer's API is absorbed in one file.

import type { ShadowPagingStatistics } from '../vmm/shadow-paging/shadow-paging';
import type { LinearAddress } from '../x86/addresses';
import type { SegmentCache } from '../x86/registers';
import type { ControlAndTableRegisters } from '../x86/system-registers';
import type { MonitorEvent, MonitorEventStream } from '../vmm/events';
import type { ExecutionMode } from '../vmm/views';
import type { InstructionClass } from '../x86/instruction-table';
import type { SourceMap, SymbolTable } from '../symbols/source-map';
import type { Virtualization } from './launch-config';

/** What the guest sees. */
export interface GuestRegisters extends ControlAndTableRegisters {
	regs: number[];
	eip: number;
	eflags: number;
	seg: SegmentCache[];
	cpl: number;
}

export interface TranslationCacheFigures {
	blocks: number;
	rewritten: number;
	flushes: number;
	executions: number;
}

/** What the hardware holds while the guest runs. */
export interface HardwareRegisters {
	cpl: number;
	eflags: number;
	selectors: number[];
	executionMode: ExecutionMode;
	cache: TranslationCacheFigures;
	/** Hidden and true page faults of the shadow page tables; absent in native mode. */
	shadowPaging?: ShadowPagingStatistics;
}

export interface TranslatedBlockView {
	id: number;
	guestStart: number;
	guestEnd: number;
	instructions: number;
	rewritten: number;
	executions: number;
	guest: Array<{ address: number; bytes: Uint8Array; text: string; instructionClass: InstructionClass }>;
	translation: Array<{ text: string; kind: 'ident' | 'callout' | 'inline' }>;
}

export type RunReason = 'budget' | 'breakpoint' | 'event' | 'exit' | 'triple-fault' | 'idle' | 'unsupported';

export interface RunResult {
	reason: RunReason;
	exitCode?: number;
	/** The event a stop concerns (the triple fault's, for one). */
	event?: MonitorEvent;
	/** For 'unsupported': the monitor's account of what it cannot virtualize. */
	message?: string;
}

export interface LoadedGuest {
	sourceMap?: SourceMap;
	symbols?: SymbolTable;
}

export interface GuestMachine {
	readonly virtualization: Virtualization;
	readonly program: LoadedGuest;
	readonly events: MonitorEventStream;
	readonly instructionCount: number;
	run(maxInstructions: number): RunResult;
	step(): RunResult;
	requestStop(): void;
	setBreakpoints(addresses: LinearAddress[]): void;
	guest(): GuestRegisters;
	hardware(): HardwareRegisters;
	setGeneralRegister(index: number, value: number): void;
	setEip(value: number): void;
	/** Arithmetic and control flags only; IF and IOPL belong to the monitor's virtual CPU. */
	setArithmeticFlags(eflags: number): void;
	/** Bytes at guest linear addresses, through the guest's paging; shorter when a page is not mapped. */
	readLinear(address: number, length: number): Uint8Array;
	translatedBlocks(): TranslatedBlockView[];
	onSerialOutput(listener: (byte: number) => void): void;
	serialInput(bytes: Uint8Array): void;
}
