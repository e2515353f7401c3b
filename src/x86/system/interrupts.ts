// Interrupt and exception delivery through the IDT, as the hardware does it:
// 32-bit interrupt and trap gates, the TSS stack switch on an inward
// transfer, the frame, and the double-fault / triple-fault escalation when
// delivery itself faults.

import { linear } from '../addresses';
import { CpuException, Vector, type InterruptSource } from '../exceptions';
import { Cr0, Flag, Reg, Seg, type SegmentCache } from '../registers';
import { fetchDescriptor, isCode, isConformingCode, markAccessed, SystemType } from './descriptors';
import { setEsp } from './far-transfers';
import { decodeGate } from './gates';
import { enterCodeSegment } from './segments';
import { idtErrorCode, isNullSelector, selectorErrorCode, type ExtBit } from './selectors';
import { StackCursor } from './stack';
import type { SystemCpu } from './system-cpu';
import { innerStack } from './tss';

/** Raised when a double fault cannot be delivered: the processor shuts down. */
export class TripleFault extends Error {
	constructor(readonly exception: CpuException) {
		super(`triple fault: ${exception.message} while delivering #DF`);
		this.name = 'TripleFault';
	}
}

interface PendingEvent {
	vector: number;
	source: InterruptSource;
	errorCode: number | undefined;
	returnEip: number;
}

const CONTRIBUTORY: ReadonlySet<number> = new Set([Vector.DE, Vector.TS, Vector.NP, Vector.SS, Vector.GP]);

/** Whether a `second` exception raised while delivering `first` becomes #DF instead of being delivered serially. */
function escalatesToDoubleFault(first: PendingEvent, second: number): boolean {
	if (first.source !== 'fault' && first.source !== 'trap') return false;
	if (first.vector === Vector.PF) return second === Vector.PF || CONTRIBUTORY.has(second);
	return CONTRIBUTORY.has(first.vector) && CONTRIBUTORY.has(second);
}

/**
 * Delivers `vector` through the IDT. `returnEip` is the EIP pushed in the frame
 * (the next instruction for INT n and traps); it defaults to `cpu.eip`, which
 * must be the faulting instruction for faults. `errorCode`, when given, is
 * pushed. An exception during delivery is itself delivered (returning to
 * `cpu.eip`), escalating to #DF by the exception classes; #DF failing throws
 * TripleFault. On any throw, registers are as before the call. Returns true
 * when `vector` itself was delivered, false when a fault its delivery raised
 * was delivered instead (an INT n then did not complete).
 */
export function deliverInterrupt(cpu: SystemCpu, vector: number, source: InterruptSource, errorCode?: number, returnEip?: number): boolean {
	let event: PendingEvent = { vector: vector & 0xff, source, errorCode, returnEip: returnEip ?? cpu.eip };
	for (let first = true; ; first = false) {
		try {
			deliverThroughIdt(cpu, event);
			return first;
		} catch (e) {
			if (!(e instanceof CpuException)) throw e;
			if (event.vector === Vector.DF && event.source === 'fault') throw new TripleFault(e);
			if (e.vector === Vector.PF && e.faultAddress !== undefined) cpu.cr2 = e.faultAddress;
			event = escalatesToDoubleFault(event, e.vector)
				? { vector: Vector.DF, source: 'fault', errorCode: 0, returnEip: cpu.eip }
				: { vector: e.vector, source: 'fault', errorCode: e.errorCode, returnEip: cpu.eip };
		}
	}
}

/** Delivers a CpuException raised by an instruction at `cpu.eip`, setting CR2 for #PF. */
export function deliverException(cpu: SystemCpu, exception: CpuException): void {
	if (exception.vector === Vector.PF && exception.faultAddress !== undefined) cpu.cr2 = exception.faultAddress;
	deliverInterrupt(cpu, exception.vector, 'fault', exception.errorCode);
}

function deliverThroughIdt(cpu: SystemCpu, event: PendingEvent): void {
	if ((cpu.cr0 & Cr0.PE) === 0) throw new Error('interrupt delivery in real mode (through the IVT) is not implemented');
	const { vector } = event;
	const ext: ExtBit = event.source === 'software' ? 0 : 1;
	if (vector * 8 + 7 > cpu.idtr.limit) throw new CpuException(Vector.GP, idtErrorCode(vector, ext));
	const entry = linear(cpu.idtr.base + vector * 8);
	const raw = { low: cpu.readLinear32(entry, false), high: cpu.readLinear32(linear(entry + 4), false) };
	const gate = decodeGate(raw);
	const systemDescriptor = (raw.high & (1 << 12)) === 0;
	// Task gates would need a task switch, which is not implemented; 16-bit gates are not supported either.
	if (!systemDescriptor || (gate.type !== SystemType.InterruptGate32 && gate.type !== SystemType.TrapGate32)) {
		throw new CpuException(Vector.GP, idtErrorCode(vector, ext));
	}
	if (event.source === 'software' && gate.dpl < cpu.cpl) throw new CpuException(Vector.GP, idtErrorCode(vector, ext));
	if (!gate.present) throw new CpuException(Vector.NP, idtErrorCode(vector, ext));

	if (isNullSelector(gate.selector)) throw new CpuException(Vector.GP, ext);
	const code = fetchDescriptor(cpu, gate.selector);
	if (code === undefined || !isCode(code) || code.dpl > cpu.cpl) throw new CpuException(Vector.GP, selectorErrorCode(gate.selector, ext));
	if (!code.present) throw new CpuException(Vector.NP, selectorErrorCode(gate.selector, ext));
	const newCpl = isConformingCode(code) ? cpu.cpl : code.dpl;

	const eflags = cpu.getEflags();
	let stack: StackCursor;
	let newSs: SegmentCache | undefined;
	if (newCpl < cpu.cpl) {
		const inner = innerStack(cpu, newCpl, ext);
		stack = new StackCursor(cpu, inner.ss, inner.esp, false, () => new CpuException(Vector.SS, selectorErrorCode(inner.ss.selector, ext)));
		stack.push32(cpu.seg[Seg.SS].selector);
		stack.push32(cpu.reg(Reg.ESP));
		newSs = inner.ss;
	} else {
		stack = new StackCursor(cpu, cpu.seg[Seg.SS], cpu.reg(Reg.ESP), newCpl === 3, () => new CpuException(Vector.SS, ext));
	}
	stack.push32(eflags);
	stack.push32(cpu.seg[Seg.CS].selector);
	stack.push32(event.returnEip);
	if (event.errorCode !== undefined) stack.push32(event.errorCode);
	if (gate.offset > code.limit) throw new CpuException(Vector.GP, ext);
	const accessed = markAccessed(cpu, gate.selector, code);

	if (newSs !== undefined) cpu.seg[Seg.SS] = newSs;
	setEsp(cpu, stack.esp);
	enterCodeSegment(cpu, gate.selector, accessed, newCpl);
	cpu.eip = gate.offset;
	const cleared = Flag.TF | Flag.NT | Flag.RF | Flag.VM | (gate.type === SystemType.InterruptGate32 ? Flag.IF : 0);
	cpu.setEflags(eflags & ~cleared);
	cpu.halted = false;
}
