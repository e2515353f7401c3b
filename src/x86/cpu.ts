// The IA-32 CPU the monitor runs on: lazy flags (lazy-flags.ts), segmented and
// paged memory access with a TLB and the monitor window, the stack, code-page
// tracking for the block cache, and the run loop (run.ts).

import { physical, type LinearAddress, type PhysicalAddress } from './addresses';
import { BlockCache } from './block-cache';
import type { IoBus, InterruptLine, MemoryBus } from './bus';
import type { InterruptSource } from './exceptions';
import { CpuException, Vector } from './exceptions';
import { EFLAGS_VALID, FlagState } from './lazy-flags';
import { tryWalk } from './paging';
import { Cr0, Flag, IOPL_SHIFT, Reg, Seg } from './registers';
import { interruptReady, runCpu, type CpuExit, type RunOptions } from './run';
import { restoreState, saveState, type CpuSnapshot } from './snapshot';
import * as system from './system';
import { Tlb, TlbRight } from './tlb';

/** An exit a template or a callout asked for; returned by run() after the current instruction. */
export interface ExitRequest {
	reason: string;
	/** Stop with EIP on the instruction, not retired (the callout did nothing yet). */
	beforeInstruction: boolean;
}

export class Cpu extends FlagState {
	readonly tlb = new Tlb();
	readonly blocks: BlockCache;
	/** Set when a store hit a page holding decoded code; the running block stops after that instruction. */
	codeModified = false;
	/** Exit produced by the last instruction (INT n, HLT), consumed by the run loop. */
	pendingExit: CpuExit | null = null;
	exitRequest: ExitRequest | null = null;
	/** The exception the last region stopped at (regions hand faults back rather than throw them). */
	fault: CpuException | null = null;
	/** RunOptions.deliver of the run in progress: regions offer it their faults before handing them back. */
	deliverInRun: ((e: CpuException) => boolean) | null = null;
	/** Exceptions regions delivered through `deliverInRun` in the run in progress (they count against its budget). */
	regionDeliveries = 0;
	/**
	 * Maskable interrupts are held off until `instructionCount` reaches this: the
	 * shadow after an STI that sets IF, so `sti; hlt` sleeps before the interrupt
	 * that wakes it is taken (the shadow may last to the end of the block).
	 */
	interruptsHeldUntil = 0;
	stopAddresses: ReadonlySet<number> = new Set();
	private readonly ram: Uint8Array;
	private readonly ram32: Int32Array | undefined;
	private readonly ramSize: number;
	// Public for compiled stack code (codegen's stackSlot), which stores straight to RAM.
	/** Per physical page: nonzero when it holds decoded code (stores there go through codeWritten). */
	readonly codePages: Uint8Array;
	/** `ram32`, or an empty view when RAM is not 4-byte aligned in its buffer. */
	readonly ram32View: Int32Array;
	/** Physical addresses below this are read and written whole through `ram32View`. */
	readonly ram32End: number;

	/**
	 * The INTR input. A monitor that keeps the guest's IF virtual (real IF stays 1) replaces it with a
	 * line gated by the virtual IF, so a masked guest does not make the CPU exit at every block.
	 */
	interruptLine: InterruptLine | undefined;

	/**
	 * Called when the page walk faults, with the access that faulted. A monitor
	 * doing shadow paging installs one: it fills the shadow tables and returns the
	 * physical address for this access, or the fault the guest must see.
	 */
	pageFaultHandler: ((linear: number, write: boolean, user: boolean) => number | CpuException) | undefined;

	/**
	 * A 4 MiB slot (page-directory index) that readLinear* and writeLinear* see
	 * as the page fault handler resolves it, never through the hardware's own
	 * mapping or the TLB; -1 for none. A monitor sets it to its region's slot
	 * while it reads and writes memory for the guest, so an access the guest
	 * aimed there (a frame on a stack it put there) goes by the guest's tables
	 * instead of reaching the monitor's.
	 */
	guestViewSlot = -1;
	/** Scratch for ramRun32: [ram32View index, length] of a REP run's source and destination. */
	private readonly sourceRun = new Int32Array(2);
	private readonly destinationRun = new Int32Array(2);

	constructor(readonly memory: MemoryBus, readonly io: IoBus, interruptLine?: InterruptLine) {
		super();
		this.interruptLine = interruptLine;
		this.ram = memory.ram;
		this.ramSize = Math.min(memory.ramSize, memory.ram.length);
		this.ram32 = this.ram.byteOffset % 4 === 0 ? new Int32Array(this.ram.buffer, this.ram.byteOffset, this.ram.byteLength >> 2) : undefined;
		this.ram32View = this.ram32 ?? new Int32Array(0);
		this.ram32End = this.ram32 ? Math.max(0, (this.ramSize & ~3) - 3) : 0;
		this.blocks = new BlockCache(this.ramSize);
		this.codePages = this.blocks.codePages;
	}

	// ---- execution -------------------------------------------------------

	run(maxInstructions: number, options?: RunOptions): CpuExit {
		return runCpu(this, maxInstructions, options);
	}

	/** Linear addresses execution stops at (never runs past); blocks are recompiled to end before them. */
	setStopAddresses(addresses: ReadonlySet<number>): void {
		const next = new Set([...addresses].map((a) => a >>> 0));
		const changed = [...next].filter((a) => !this.stopAddresses.has(a)).concat([...this.stopAddresses].filter((a) => !next.has(a)));
		this.stopAddresses = next;
		// Only code decoded across a changed address must be cut (or joined) again.
		this.blocks.dropCovering(changed);
	}

	/** True when a maskable interrupt would be taken at this instruction boundary. */
	interruptReady(): boolean {
		return interruptReady(this);
	}

	/** Called from a callout: run() returns `{ kind: 'callout-stop', reason }` after the current instruction. */
	requestExit(reason: string, options?: { beforeInstruction?: boolean }): void {
		this.exitRequest = { reason, beforeInstruction: options?.beforeInstruction ?? false };
	}

	/** Drops every compiled block (an emitter changed, code was loaded behind the CPU's back). */
	invalidateAllBlocks(): void {
		this.blocks.clear();
	}

	/** For loaders and DMA that write RAM without going through the CPU. */
	invalidateCode(address: PhysicalAddress, length: number): void {
		for (let page = address >>> 12; page <= (address + Math.max(length, 1) - 1) >>> 12; page++) this.blocks.dropPage(page);
	}

	saveState(): CpuSnapshot {
		return saveState(this);
	}

	loadState(state: CpuSnapshot): void {
		restoreState(this, state);
		this.tlb.flush();
		// RAM was restored behind the CPU's back: no compiled region can be trusted.
		this.blocks.clear();
	}

	// ---- flags with privilege rules -----------------------------------------

	/** POPF: IOPL changes only at CPL 0, IF only when CPL <= IOPL (silently otherwise); VM and RF are not popped. */
	popFlags(value: number, size: 16 | 32): void {
		const iopl = (this.flagsBits & Flag.IOPL) >>> IOPL_SHIFT;
		let changeable = Flag.CF | Flag.PF | Flag.AF | Flag.ZF | Flag.SF | Flag.TF | Flag.DF | Flag.OF | Flag.NT | Flag.AC | Flag.ID;
		if (this.cpl === 0) changeable |= Flag.IOPL;
		if (this.cpl <= iopl) changeable |= Flag.IF;
		if (size === 16) changeable &= 0xffff;
		const current = this.getEflags();
		this.setEflags(((current & ~changeable) | (value & changeable)) & EFLAGS_VALID);
	}

	// ---- system operations (the hardware's own, from src/x86/system) -------

	loadSegment(seg: Seg, selector: number): void {
		system.loadSegment(this, seg, selector);
	}

	/** See system.deliverInterrupt: true when `vector` itself was delivered. */
	deliverInterrupt(vector: number, source: InterruptSource, errorCode?: number, returnEip?: number): boolean {
		const delivered = system.deliverInterrupt(this, vector, source, errorCode, returnEip);
		this.halted = false;
		return delivered;
	}

	farJump(selector: number, offset: number): void {
		system.farJump(this, selector, offset);
	}

	farCall(selector: number, offset: number, returnEip: number): void {
		system.farCall(this, selector, offset, returnEip);
	}

	farReturn(popBytes: number): void {
		system.farReturn(this, popBytes);
	}

	iret(): void {
		system.iret(this);
	}

	// ---- paging ---------------------------------------------------------------

	flushTlb(): void {
		this.tlb.flush();
		// Regions are keyed by linear address: each is checked against the physical pages it was compiled
		// from on its next entry, so an address space that maps the same code keeps it.
		this.blocks.remapped();
	}

	invlpg(address: LinearAddress): void {
		const page = address >>> 12;
		const large = this.tlb.coversLarge(page);
		this.tlb.flushPage(page);
		// As for a CR3 write, when compiled code came through the page: regions re-check their code pages'
		// mappings on next entry, which is cheaper than searching every region for the page.
		if (this.cr0 & Cr0.PG) this.blocks.remappedPage(page, large);
	}

	/** Translates for one access and caches the result; a page fault is thrown. */
	private fill(linear: number, write: boolean, user: boolean): number {
		const p = this.fillOrFault(linear, write, user);
		if (p < 0) {
			const fault = this.fault!;
			this.fault = null;
			throw fault;
		}
		return p;
	}

	/**
	 * `fill`, but a page fault is left in `fault` and -1 returned. Compiled code
	 * takes its faults this way: V8 locates every throw in the optimised code it
	 * crosses, which made a guest page fault cost ten times its delivery.
	 */
	private fillOrFault(linear: number, write: boolean, user: boolean): number {
		linear >>>= 0;
		const page = linear >>> 12;
		if (linear >>> 22 === this.guestViewSlot && this.pageFaultHandler) return this.resolved(this.pageFaultHandler(linear, write, user));
		if (!(this.cr0 & Cr0.PG)) {
			this.tlb.fill(page, linear, TlbRight.SupervisorRead | TlbRight.UserRead | TlbRight.SupervisorWrite | TlbRight.UserWrite);
			return linear;
		}
		const t = tryWalk(this, linear, write, user);
		if (typeof t === 'number') {
			// Under shadow paging the monitor resolves the miss: where this one access goes (not cached), or the guest's fault.
			return this.resolved(this.pageFaultHandler ? this.pageFaultHandler(linear, write, user) : new CpuException(Vector.PF, t, linear));
		}
		this.tlb.fill(page, t.frame, t.rights, t.large);
		return (t.frame | (linear & 0xfff)) >>> 0;
	}

	/** Where one access goes, not cached, or -1 with the fault left in `fault`. */
	private resolved(resolution: number | CpuException): number {
		if (typeof resolution === 'number') return resolution >>> 0;
		this.fault = resolution;
		return -1;
	}

	translate(linear: number, write: boolean, user: boolean): PhysicalAddress {
		const e = this.tlb.entries[linear >>> 12];
		if (e & Tlb.right(write, user)) return physical((e & ~0xfff) | (linear & 0xfff));
		return physical(this.fill(linear, write, user));
	}

	readPhysical32(address: number): number {
		return this.physRead32(address >>> 0);
	}

	writePhysical32(address: number, value: number): void {
		this.physWrite32(address >>> 0, value);
	}

	// ---- physical access -----------------------------------------------------

	private physRead8(p: number): number {
		return p < this.ramSize ? this.ram[p] : this.memory.read8(physical(p));
	}

	private physRead16(p: number): number {
		return p + 1 < this.ramSize ? this.ram[p] | (this.ram[p + 1] << 8) : this.memory.read16(physical(p));
	}

	private physRead32(p: number): number {
		if (p + 3 < this.ramSize) {
			if ((p & 3) === 0 && this.ram32) return this.ram32[p >> 2];
			const m = this.ram;
			return m[p] | (m[p + 1] << 8) | (m[p + 2] << 16) | (m[p + 3] << 24);
		}
		return this.memory.read32(physical(p)) | 0;
	}

	private physWrite8(p: number, v: number): void {
		if (p < this.ramSize) {
			this.ram[p] = v;
			if (this.codePages[p >>> 12]) this.codeWritten(p, 1);
		} else this.memory.write8(physical(p), v & 0xff);
	}

	private physWrite16(p: number, v: number): void {
		if (p + 1 < this.ramSize) {
			this.ram[p] = v;
			this.ram[p + 1] = v >> 8;
			if (this.codePages[p >>> 12]) this.codeWritten(p, 2);
		} else this.memory.write16(physical(p), v & 0xffff);
	}

	private physWrite32(p: number, v: number): void {
		if (p + 3 < this.ramSize) {
			if ((p & 3) === 0 && this.ram32) this.ram32[p >> 2] = v;
			else {
				const m = this.ram;
				m[p] = v;
				m[p + 1] = v >> 8;
				m[p + 2] = v >> 16;
				m[p + 3] = v >> 24;
			}
			if (this.codePages[p >>> 12]) this.codeWritten(p, 4);
		} else this.memory.write32(physical(p), v >>> 0);
	}

	private codeWritten(p: number, length: number): void {
		if (this.blocks.dropWritten(p, length)) this.codeModified = true;
		this.memory.onRamWrite?.(physical(p), length);
	}

	// ---- linear access ---------------------------------------------------------

	readLinear8(linear: number, user = this.cpl === 3): number {
		const e = this.tlb.entries[linear >>> 12];
		if (e & (user ? TlbRight.UserRead : TlbRight.SupervisorRead) && linear >>> 22 !== this.guestViewSlot) return this.physRead8(((e & ~0xfff) | (linear & 0xfff)) >>> 0);
		return this.physRead8(this.fill(linear, false, user));
	}

	readLinear16(linear: number, user = this.cpl === 3): number {
		if ((linear & 0xfff) > 0xffe) return this.readLinear8(linear, user) | (this.readLinear8(linear + 1, user) << 8);
		const e = this.tlb.entries[linear >>> 12];
		if (e & (user ? TlbRight.UserRead : TlbRight.SupervisorRead) && linear >>> 22 !== this.guestViewSlot) return this.physRead16(((e & ~0xfff) | (linear & 0xfff)) >>> 0);
		return this.physRead16(this.fill(linear, false, user));
	}

	readLinear32(linear: number, user = this.cpl === 3): number {
		if ((linear & 0xfff) > 0xffc) return this.readLinear16(linear, user) | (this.readLinear16(linear + 2, user) << 16);
		const e = this.tlb.entries[linear >>> 12];
		if (e & (user ? TlbRight.UserRead : TlbRight.SupervisorRead) && linear >>> 22 !== this.guestViewSlot) return this.physRead32(((e & ~0xfff) | (linear & 0xfff)) >>> 0);
		return this.physRead32(this.fill(linear, false, user));
	}

	writeLinear8(linear: number, value: number, user = this.cpl === 3): void {
		const e = this.tlb.entries[linear >>> 12];
		if (e & (user ? TlbRight.UserWrite : TlbRight.SupervisorWrite) && linear >>> 22 !== this.guestViewSlot) return this.physWrite8(((e & ~0xfff) | (linear & 0xfff)) >>> 0, value);
		this.physWrite8(this.fill(linear, true, user), value);
	}

	writeLinear16(linear: number, value: number, user = this.cpl === 3): void {
		const e = this.tlb.entries[linear >>> 12];
		if ((linear & 0xfff) <= 0xffe && (e & (user ? TlbRight.UserWrite : TlbRight.SupervisorWrite)) && linear >>> 22 !== this.guestViewSlot) return this.physWrite16(((e & ~0xfff) | (linear & 0xfff)) >>> 0, value);
		this.writeBytes(linear, value, 2, user);
	}

	writeLinear32(linear: number, value: number, user = this.cpl === 3): void {
		const e = this.tlb.entries[linear >>> 12];
		if ((linear & 0xfff) <= 0xffc && (e & (user ? TlbRight.UserWrite : TlbRight.SupervisorWrite)) && linear >>> 22 !== this.guestViewSlot) return this.physWrite32(((e & ~0xfff) | (linear & 0xfff)) >>> 0, value);
		this.writeBytes(linear, value, 4, user);
	}

	/**
	 * A write on the slow path: both pages are checked before any byte changes.
	 * A fault on the second page is reported at its first byte, the first byte
	 * of the access that lies there, as the hardware reports it.
	 */
	private writeBytes(linear: number, value: number, size: number, user: boolean): void {
		const first = this.fill(linear, true, user);
		const lastLinear = (linear + size - 1) >>> 0;
		if ((lastLinear >>> 12) !== (linear >>> 12)) this.fill((lastLinear & ~0xfff) >>> 0, true, user);
		else {
			if (size === 2) this.physWrite16(first, value);
			else this.physWrite32(first, value);
			return;
		}
		for (let i = 0; i < size; i++) this.writeLinear8(linear + i, value >>> (8 * i), user);
	}

	// ---- segmented access ---------------------------------------------------------

	/** Offset -> linear with the segment's usability, type and limit checks (#SS for SS, #GP otherwise). */
	segLinear(seg: Seg, offset: number, size: number, write: boolean): number {
		const s = this.seg[seg];
		offset >>>= 0;
		const type = s.type;
		let ok = s.usable && (write ? (type & 0xa) === 0x2 : (type & 0xa) !== 0x8);
		if (ok) {
			if ((type & 0xc) === 0x4) ok = offset > s.limit && offset + size - 1 <= (s.big ? 0xffffffff : 0xffff);
			else ok = offset + size - 1 <= s.limit;
		}
		if (!ok) throw new CpuException(seg === Seg.SS ? Vector.SS : Vector.GP, 0);
		return (s.base + offset) | 0;
	}

	/**
	 * Where an aligned 32-bit access at `offset` in `seg` lands in `ram32`, or -1 when it
	 * must take the checked path: the segment is usable and allows the access within its
	 * limit (expand-up), the TLB already grants it, the frame is RAM and, for a write, holds
	 * no decoded code. The checked path then does exactly what this would, or faults.
	 */
	private ramIndex32(seg: Seg, offset: number, write: boolean): number {
		const s = this.seg[seg];
		const type = s.type;
		if (!s.usable || (type & 0xc) === 0x4 || (write ? (type & 0xa) !== 0x2 : (type & 0xa) === 0x8)) return -1;
		const o = offset >>> 0;
		if (o > s.limit - 3) return -1;
		const linear = (s.base + o) | 0;
		if ((linear & 3) !== 0) return -1;
		const e = this.tlb.entries[linear >>> 12];
		const user = this.cpl === 3;
		if ((e & (write ? (user ? TlbRight.UserWrite : TlbRight.SupervisorWrite) : (user ? TlbRight.UserRead : TlbRight.SupervisorRead))) === 0) return -1;
		const p = ((e & ~0xfff) | (linear & 0xfff)) >>> 0;
		if (p >= this.ram32End || (write && this.codePages[p >>> 12] !== 0)) return -1;
		return p >>> 2;
	}

	/**
	 * Where the `bytes` (a multiple of 4) at `linear` lie in `ram32View`, for a supervisor
	 * access that needs no check beyond paging (an interrupt frame the monitor pushes or pops
	 * for the guest), or -1 when they must take the checked path: unaligned, across a page,
	 * not yet granted by the TLB, not RAM, holding decoded code (a write), or in the slot the
	 * monitor is seeing as the guest does (guestViewSlot).
	 */
	frameIndex32(linear: number, bytes: number, write: boolean): number {
		if ((linear & 3) !== 0 || (linear & 0xfff) > 0x1000 - bytes || linear >>> 22 === this.guestViewSlot) return -1;
		const e = this.tlb.entries[linear >>> 12];
		if ((e & (write ? TlbRight.SupervisorWrite : TlbRight.SupervisorRead)) === 0) return -1;
		const p = ((e & ~0xfff) | (linear & 0xfff)) >>> 0;
		if (p + bytes - 4 >= this.ram32End || (write && this.codePages[p >>> 12] !== 0)) return -1;
		return p >>> 2;
	}

	/**
	 * Where a run of up to `count` dwords at `seg`:`offset` (ascending) lies in `ram32View`, for
	 * REP MOVSD/STOSD, as [index, length], or length 0 when the next element must take the
	 * per-element path: the run stops at the end of the offset's page and of the segment's limit,
	 * and there is none unless the segment allows the access (expand-up), the linear address is
	 * aligned and outside guestViewSlot, the TLB already grants the page at this CPL, and it is
	 * RAM (holding no decoded code, for a write). Written into `run`, allocating nothing.
	 */
	private ramRun32(seg: Seg, offset: number, count: number, write: boolean, run: Int32Array): void {
		run[1] = 0;
		const s = this.seg[seg];
		const type = s.type;
		if (!s.usable || (type & 0xc) === 0x4 || (write ? (type & 0xa) !== 0x2 : (type & 0xa) === 0x8)) return;
		const o = offset >>> 0;
		if (o > s.limit - 3) return;
		const linear = (s.base + o) >>> 0;
		if ((linear & 3) !== 0 || linear >>> 22 === this.guestViewSlot) return;
		const e = this.tlb.entries[linear >>> 12];
		const user = this.cpl === 3;
		if ((e & (write ? (user ? TlbRight.UserWrite : TlbRight.SupervisorWrite) : (user ? TlbRight.UserRead : TlbRight.SupervisorRead))) === 0) return;
		const p = ((e & ~0xfff) | (linear & 0xfff)) >>> 0;
		if (write && this.codePages[p >>> 12] !== 0) return;
		const inPage = (0x1000 - (linear & 0xfff)) >>> 2;
		const inLimit = Math.floor((s.limit - o - 3) / 4) + 1;
		const inRam = p < this.ram32End ? Math.floor((this.ram32End - 1 - p) / 4) + 1 : 0;
		run[0] = p >>> 2;
		run[1] = Math.min(count, inPage, inLimit, inRam);
	}

	/**
	 * REP STOSD (32-bit addresses, DF clear) for as many elements from ES:`edi` as one run of RAM
	 * allows (see ramRun32): stores `value` there and returns how many; 0 when the next element
	 * must go the per-element way (it may fault, or reach an untranslated page).
	 */
	fillRun32(edi: number, count: number, value: number): number {
		const run = this.destinationRun;
		this.ramRun32(Seg.ES, edi, count, true, run);
		if (run[1] > 0) this.ram32View.fill(value, run[0], run[0] + run[1]);
		return run[1];
	}

	/**
	 * REP MOVSD (32-bit addresses, DF clear) for as many elements as one run of RAM allows at both
	 * `seg`:`esi` and ES:`edi`: copies them and returns how many; 0 for the per-element way. A
	 * destination just above its source (an overlap an element-by-element copy smears) is left to it.
	 */
	copyRun32(seg: Seg, esi: number, edi: number, count: number): number {
		const from = this.sourceRun;
		const to = this.destinationRun;
		this.ramRun32(seg, esi, count, false, from);
		if (from[1] === 0) return 0;
		this.ramRun32(Seg.ES, edi, from[1], true, to);
		const n = to[1];
		if (n === 0 || (to[0] > from[0] && to[0] < from[0] + n)) return 0;
		this.ram32View.copyWithin(to[0], from[0], from[0] + n);
		return n;
	}

	readSeg8(seg: Seg, offset: number): number {
		return this.readLinear8(this.segLinear(seg, offset, 1, false), this.cpl === 3);
	}

	readSeg16(seg: Seg, offset: number): number {
		return this.readLinear16(this.segLinear(seg, offset, 2, false), this.cpl === 3);
	}

	readSeg32(seg: Seg, offset: number): number {
		const i = this.ramIndex32(seg, offset, false);
		if (i >= 0) return this.ram32View[i];
		return this.readLinear32(this.segLinear(seg, offset, 4, false), this.cpl === 3);
	}

	// The load/store forms are compiled code's: a page fault is left in `fault` (see fillOrFault), a load
	// then returns 0. Other faults (segment checks, an access straddling two pages) are still thrown.

	loadSeg8(seg: Seg, offset: number): number {
		return this.loadLinear(this.segLinear(seg, offset, 1, false), 1);
	}

	loadSeg16(seg: Seg, offset: number): number {
		return this.loadLinear(this.segLinear(seg, offset, 2, false), 2);
	}

	loadSeg32(seg: Seg, offset: number): number {
		const i = this.ramIndex32(seg, offset, false);
		if (i >= 0) return this.ram32View[i];
		return this.loadLinear(this.segLinear(seg, offset, 4, false), 4);
	}

	storeSeg8(seg: Seg, offset: number, value: number): void {
		this.storeLinear(this.segLinear(seg, offset, 1, true), value, 1);
	}

	storeSeg16(seg: Seg, offset: number, value: number): void {
		this.storeLinear(this.segLinear(seg, offset, 2, true), value, 2);
	}

	storeSeg32(seg: Seg, offset: number, value: number): void {
		const i = this.ramIndex32(seg, offset, true);
		if (i >= 0) this.ram32View[i] = value;
		else this.storeLinear(this.segLinear(seg, offset, 4, true), value, 4);
	}

	private loadLinear(linear: number, size: 1 | 2 | 4): number {
		const user = this.cpl === 3;
		if ((linear & 0xfff) > 0x1000 - size) return size === 2 ? this.readLinear16(linear, user) : this.readLinear32(linear, user);
		const e = this.tlb.entries[linear >>> 12];
		let p: number;
		if (e & (user ? TlbRight.UserRead : TlbRight.SupervisorRead)) p = ((e & ~0xfff) | (linear & 0xfff)) >>> 0;
		else {
			p = this.fillOrFault(linear, false, user);
			if (p < 0) return 0;
		}
		return size === 4 ? this.physRead32(p) : size === 2 ? this.physRead16(p) : this.physRead8(p);
	}

	private storeLinear(linear: number, value: number, size: 1 | 2 | 4): void {
		const user = this.cpl === 3;
		if ((linear & 0xfff) > 0x1000 - size) return this.writeBytes(linear, value, size, user);
		const e = this.tlb.entries[linear >>> 12];
		let p: number;
		if (e & (user ? TlbRight.UserWrite : TlbRight.SupervisorWrite)) p = ((e & ~0xfff) | (linear & 0xfff)) >>> 0;
		else {
			p = this.fillOrFault(linear, true, user);
			if (p < 0) return;
		}
		if (size === 4) this.physWrite32(p, value);
		else if (size === 2) this.physWrite16(p, value);
		else this.physWrite8(p, value);
	}

	writeSeg8(seg: Seg, offset: number, value: number): void {
		this.writeLinear8(this.segLinear(seg, offset, 1, true), value, this.cpl === 3);
	}

	writeSeg16(seg: Seg, offset: number, value: number): void {
		this.writeLinear16(this.segLinear(seg, offset, 2, true), value, this.cpl === 3);
	}

	writeSeg32(seg: Seg, offset: number, value: number): void {
		const i = this.ramIndex32(seg, offset, true);
		if (i >= 0) this.ram32View[i] = value;
		else this.writeLinear32(this.segLinear(seg, offset, 4, true), value, this.cpl === 3);
	}

	/** An 8-byte store (CMPXCHG8B): both halves are checked writable before either is written. */
	writeSeg64(seg: Seg, offset: number, lo: number, hi: number): void {
		const linear = this.segLinear(seg, offset, 8, true);
		const user = this.cpl === 3;
		this.fill(linear, true, user);
		if (((linear + 7) >>> 12) !== (linear >>> 12)) this.fill(((linear + 7) & ~0xfff) >>> 0, true, user);
		this.writeLinear32(linear, lo, user);
		this.writeLinear32(linear + 4, hi, user);
	}

	// ---- stack ----------------------------------------------------------------------

	/** ESP after moving `esp` by `delta`, wrapping within SP alone on a 16-bit stack. */
	espMoved(esp: number, delta: number): number {
		return this.seg[Seg.SS].big ? (esp + delta) | 0 : (esp & ~0xffff) | ((esp + delta) & 0xffff);
	}

	private stackOffset(esp: number): number {
		return this.seg[Seg.SS].big ? esp : esp & 0xffff;
	}

	// The *At forms take and return ESP so compiled code can keep it in a local.

	/** Pushes below `esp`; returns the new ESP (unchanged state on a fault). */
	pushAt32(esp: number, value: number): number {
		if (this.seg[Seg.SS].big) {
			const below = (esp - 4) | 0;
			const i = this.ramIndex32(Seg.SS, below, true);
			if (i >= 0) {
				this.ram32View[i] = value;
				return below;
			}
		}
		const moved = this.espMoved(esp, -4);
		this.writeSeg32(Seg.SS, this.stackOffset(moved), value);
		return moved;
	}

	pushAt16(esp: number, value: number): number {
		const moved = this.espMoved(esp, -2);
		this.writeSeg16(Seg.SS, this.stackOffset(moved), value);
		return moved;
	}

	/** Reads the stack at `esp` + `offset`. */
	peekAt32(esp: number, offset: number): number {
		if (this.seg[Seg.SS].big) {
			const i = this.ramIndex32(Seg.SS, esp + offset, false);
			if (i >= 0) return this.ram32View[i];
		}
		return this.readSeg32(Seg.SS, this.stackOffset(this.espMoved(esp, offset)));
	}

	peekAt16(esp: number, offset: number): number {
		return this.readSeg16(Seg.SS, this.stackOffset(this.espMoved(esp, offset)));
	}

	push32(value: number): void {
		this.regs[Reg.ESP] = this.pushAt32(this.regs[Reg.ESP], value);
	}

	push16(value: number): void {
		this.regs[Reg.ESP] = this.pushAt16(this.regs[Reg.ESP], value);
	}

	pop32(): number {
		const v = this.peek32(0);
		this.adjustStack(4);
		return v;
	}

	pop16(): number {
		const v = this.peek16(0);
		this.adjustStack(2);
		return v;
	}

	/** Reads the stack at ESP + `offset` without moving ESP. */
	peek32(offset: number): number {
		return this.peekAt32(this.regs[Reg.ESP], offset);
	}

	peek16(offset: number): number {
		return this.peekAt16(this.regs[Reg.ESP], offset);
	}

	adjustStack(delta: number): void {
		this.regs[Reg.ESP] = this.espMoved(this.regs[Reg.ESP], delta);
	}
}
