// A CPU double for the system-operation tests: flat physical memory, no
// paging, exact EFLAGS, and pages that can be marked absent to provoke #PF.
// It also lays out a small protected-mode world (GDT, IDT, TSS, stacks).

import { linear, type LinearAddress } from '../../src/x86/addresses';
import { CpuState } from '../../src/x86/cpu-state';
import { CpuException, PageFaultCode, Vector } from '../../src/x86/exceptions';
import { Reg, Seg } from '../../src/x86/registers';
import { decodeDescriptor, encodeDescriptor, segmentCacheFrom, SystemType, type DescriptorFields, type RawDescriptor } from '../../src/x86/system/descriptors';
import { encodeGate, type GateFields } from '../../src/x86/system/gates';
import type { SystemCpu } from '../../src/x86/system/system-cpu';

export class TestCpu extends CpuState implements SystemCpu {
	readonly memory = new Uint8Array(1 << 20);
	private readonly view = new DataView(this.memory.buffer);
	private eflags = 2;
	/** Frames always take the checked path here: these tests are about what the checks do. */
	readonly ram32View = new Int32Array(0);
	frameIndex32(): number { return -1; }
	/** Page numbers (address >>> 12) that raise #PF. */
	readonly absentPages = new Set<number>();
	tlbFlushes = 0;
	readonly invalidatedPages: number[] = [];

	getEflags(): number {
		return this.eflags;
	}

	setEflags(value: number): void {
		this.eflags = (value | 2) >>> 0;
	}

	private check(address: number, size: number, write: boolean, user: boolean): number {
		for (const a of [address, address + size - 1]) {
			if (this.absentPages.has(a >>> 12) || a >= this.memory.length) {
				throw new CpuException(Vector.PF, (write ? PageFaultCode.Write : 0) | (user ? PageFaultCode.User : 0), a >>> 0);
			}
		}
		return address;
	}

	readLinear8(address: LinearAddress, user = this.cpl === 3): number {
		return this.view.getUint8(this.check(address, 1, false, user));
	}
	readLinear16(address: LinearAddress, user = this.cpl === 3): number {
		return this.view.getUint16(this.check(address, 2, false, user), true);
	}
	readLinear32(address: LinearAddress, user = this.cpl === 3): number {
		return this.view.getInt32(this.check(address, 4, false, user), true);
	}
	writeLinear8(address: LinearAddress, value: number, user = this.cpl === 3): void {
		this.view.setUint8(this.check(address, 1, true, user), value & 0xff);
	}
	writeLinear16(address: LinearAddress, value: number, user = this.cpl === 3): void {
		this.view.setUint16(this.check(address, 2, true, user), value & 0xffff, true);
	}
	writeLinear32(address: LinearAddress, value: number, user = this.cpl === 3): void {
		this.view.setInt32(this.check(address, 4, true, user), value | 0, true);
	}
	flushTlb(): void {
		this.tlbFlushes++;
	}
	invlpg(address: LinearAddress): void {
		this.invalidatedPages.push(address >>> 12);
	}

	// Test conveniences, outside the architecture.
	poke32(address: number, value: number): void {
		this.view.setInt32(address, value | 0, true);
	}
	peek32(address: number): number {
		return this.view.getUint32(address, true);
	}
	peek16(address: number): number {
		return this.view.getUint16(address, true);
	}
	stackTop(count: number): number[] {
		return stackTop(this, count);
	}
	push(...values: number[]): void {
		pushValues(this, ...values);
	}
}

/** The `count` dwords at SS:ESP, top first. */
export function stackTop(cpu: SystemCpu, count: number): number[] {
	const esp = cpu.reg(Reg.ESP);
	return Array.from({ length: count }, (_, i) => peek32(cpu, cpu.seg[Seg.SS].base + esp + i * 4));
}

/** Pushes without any check, to prepare frames. */
export function pushValues(cpu: SystemCpu, ...values: number[]): void {
	for (const value of values) {
		cpu.regs[Reg.ESP] -= 4;
		poke32(cpu, cpu.seg[Seg.SS].base + cpu.reg(Reg.ESP), value);
	}
}

export const GDT_BASE = 0x1000;
export const IDT_BASE = 0x2000;
export const TSS_BASE = 0x3000;
export const LDT_BASE = 0x4000;
/** The I/O permission bitmap covers ports 0..0x3ff (0x80 bytes plus the terminating byte). */
export const IO_MAP_OFFSET = 0x68;
export const TSS_LIMIT = IO_MAP_OFFSET + 0x80;
export const RING0_STACK_TOP = 0x9000;
export const RING1_STACK_TOP = 0x8000;
export const RING3_STACK_TOP = 0x7000;

/** Selectors of the test GDT. */
export const enum Sel {
	Code0 = 0x08, Data0 = 0x10, Code3 = 0x1b, Data3 = 0x23, Tss = 0x28, Code1 = 0x31, Data1 = 0x39, Ldt = 0x40,
	AbsentData = 0x48, ReadOnlyData0 = 0x50, ExecOnlyCode0 = 0x58, ConformingCode0 = 0x60, CallGate = 0x68,
	SmallData0 = 0x70, AbsentCode0 = 0x78, Data3InLdt = 0x0f, Data2 = 0x80 | 2, CallGateRing0 = 0x88,
}
export const GDT_ENTRIES = 0x12;
export const CALL_GATE_TARGET = 0x5000;

const FLAT = 0xffffffff;
const code = (dpl: number, extra: Partial<DescriptorFields> = {}): RawDescriptor => encodeDescriptor({ base: 0, limit: FLAT, type: 0xa, dpl, big: true, ...extra });
const data = (dpl: number, extra: Partial<DescriptorFields> = {}): RawDescriptor => encodeDescriptor({ base: 0, limit: FLAT, type: 0x2, dpl, big: true, ...extra });

const poke32 = (cpu: SystemCpu, address: number, value: number): void => cpu.writeLinear32(linear(address), value, false);
const peek32 = (cpu: SystemCpu, address: number): number => cpu.readLinear32(linear(address), false) >>> 0;

export function setGdtEntry(cpu: SystemCpu, index: number, raw: RawDescriptor): void {
	poke32(cpu, GDT_BASE + index * 8, raw.low);
	poke32(cpu, GDT_BASE + index * 8 + 4, raw.high);
}

/** Where the test IDT sends each vector. */
export const handlerOffset = (vector: number): number => 0x10000 + vector * 0x10;

export function setIdtGate(cpu: SystemCpu, vector: number, gate: Partial<GateFields> = {}): void {
	const raw = encodeGate({ type: SystemType.InterruptGate32, selector: Sel.Code0, offset: handlerOffset(vector), ...gate });
	poke32(cpu, IDT_BASE + vector * 8, raw.low);
	poke32(cpu, IDT_BASE + vector * 8 + 4, raw.high);
}

export function gdtEntry(cpu: SystemCpu, index: number): RawDescriptor {
	return { low: peek32(cpu, GDT_BASE + index * 8), high: peek32(cpu, GDT_BASE + index * 8 + 4) };
}

function loadCache(cpu: SystemCpu, seg: Seg, selector: number): void {
	cpu.seg[seg] = segmentCacheFrom(selector, decodeDescriptor(gdtEntry(cpu, selector >>> 3)));
}

/**
 * A protected-mode machine with flat ring 0, 1 and 3 segments, an IDT whose
 * every vector is a present ring-0 interrupt gate, a loaded 32-bit TSS with
 * ring-0 and ring-1 stacks and an all-denying I/O bitmap, and an LDT with one
 * ring-3 data segment. The CPU starts at ring 0.
 */
export function protectedModeCpu(): TestCpu {
	return layOutProtectedMode(new TestCpu());
}

/** Builds the world of protectedModeCpu() in any CPU whose paging is off. */
export function layOutProtectedMode<C extends SystemCpu>(cpu: C): C {
	setGdtEntry(cpu, 1, code(0));
	setGdtEntry(cpu, 2, data(0));
	setGdtEntry(cpu, 3, code(3));
	setGdtEntry(cpu, 4, data(3));
	setGdtEntry(cpu, 5, encodeDescriptor({ base: TSS_BASE, limit: TSS_LIMIT, type: SystemType.Tss32Busy, system: true }));
	setGdtEntry(cpu, 6, code(1));
	setGdtEntry(cpu, 7, data(1));
	setGdtEntry(cpu, 8, encodeDescriptor({ base: LDT_BASE, limit: 0xf, type: SystemType.Ldt, system: true }));
	setGdtEntry(cpu, 9, data(0, { present: false }));
	setGdtEntry(cpu, 10, data(0, { type: 0x0 }));
	setGdtEntry(cpu, 11, code(0, { type: 0x8 }));
	setGdtEntry(cpu, 12, code(0, { type: 0xe }));
	setGdtEntry(cpu, 13, encodeGate({ type: SystemType.CallGate32, selector: Sel.Code0, offset: CALL_GATE_TARGET, dpl: 3, paramCount: 2 }));
	setGdtEntry(cpu, 14, data(0, { limit: 0xfff }));
	setGdtEntry(cpu, 15, code(0, { present: false }));
	setGdtEntry(cpu, 16, data(2));
	setGdtEntry(cpu, 17, encodeGate({ type: SystemType.CallGate32, selector: Sel.Code0, offset: CALL_GATE_TARGET, dpl: 0 }));
	cpu.gdtr = { base: GDT_BASE, limit: GDT_ENTRIES * 8 - 1 };

	const ldtData = data(3);
	poke32(cpu, LDT_BASE + 8, ldtData.low);
	poke32(cpu, LDT_BASE + 12, ldtData.high);
	cpu.ldtr = segmentCacheFrom(Sel.Ldt, decodeDescriptor(gdtEntry(cpu, 8)));

	for (let vector = 0; vector < 256; vector++) setIdtGate(cpu, vector);
	cpu.idtr = { base: IDT_BASE, limit: 256 * 8 - 1 };

	poke32(cpu, TSS_BASE + 4, RING0_STACK_TOP);
	poke32(cpu, TSS_BASE + 8, Sel.Data0);
	poke32(cpu, TSS_BASE + 0xc, RING1_STACK_TOP);
	poke32(cpu, TSS_BASE + 0x10, Sel.Data1);
	for (let offset = IO_MAP_OFFSET; offset <= TSS_LIMIT; offset++) cpu.writeLinear8(linear(TSS_BASE + offset), 0xff, false);
	poke32(cpu, TSS_BASE + 0x64, IO_MAP_OFFSET << 16);
	cpu.tr = segmentCacheFrom(Sel.Tss, decodeDescriptor(gdtEntry(cpu, 5)));

	enterRing(cpu, 0);
	return cpu;
}

/** Puts the CPU at ring `ring` with that ring's flat code, data and stack. */
export function enterRing(cpu: SystemCpu, ring: 0 | 1 | 3): void {
	const [codeSel, dataSel, stackTop] = ring === 0 ? [Sel.Code0, Sel.Data0, RING0_STACK_TOP]
		: ring === 1 ? [Sel.Code1, Sel.Data1, RING1_STACK_TOP] : [Sel.Code3, Sel.Data3, RING3_STACK_TOP];
	loadCache(cpu, Seg.CS, codeSel);
	for (const seg of [Seg.SS, Seg.DS, Seg.ES, Seg.FS, Seg.GS]) loadCache(cpu, seg, dataSel);
	cpu.cpl = ring;
	cpu.regs[Reg.ESP] = stackTop;
}

/** Runs `fn` and returns the CpuException it throws (failing the test if it throws none or another error). */
export function raised(fn: () => unknown): { vector: number; errorCode: number | undefined } {
	try {
		fn();
	} catch (e) {
		if (e instanceof CpuException) return { vector: e.vector, errorCode: e.errorCode };
		throw e;
	}
	throw new Error('expected a CpuException, none was raised');
}
