// Shadow page tables: the tables the hardware really walks while the guest
// runs compressed. They are built lazily from the guest's tables (a miss is a
// hidden fault the monitor resolves alone), kept for the last few guest CR3
// values, and kept coherent by tracing: every guest page-table page (and
// descriptor-table page) is mapped read-only in every shadow, so a guest store
// to one reaches the monitor, which drops the shadow entries derived from the
// entry being written before letting the store land; they are rebuilt from the
// new guest entry on next use. A fault the guest's own tables raise is a true
// fault, thrown with the guest's error code and address for reflection.
//
// Accessed and dirty bits: a shadow entry is filled by walking the guest's
// tables for the access at hand, which sets A (and D for a write) in them as
// the hardware would; a page whose guest D bit is clear is shadowed read-only,
// so the first write comes back here and sets D.

import { CpuException, Vector } from '../../x86/exceptions';
import { tryWalk, walk, type PageWalkContext, type Translation } from '../../x86/paging';
import { Cr0, Cr4 } from '../../x86/registers';
import { TlbRight } from '../../x86/tlb';
import type { MonitorRegion } from '../monitor-region';
import type { MonitorMemory } from './monitor-memory';
import { TraceFault, type TraceKind } from './trace-fault';

const PRESENT = 1, WRITABLE = 2, USER = 4, ACCESSED = 0x20, DIRTY = 0x40, LARGE = 0x80;
/**
 * A software bit of shadow entries (the hardware ignores bits 9-11): read-only
 * only because the frame is traced, the guest's own entries allowing the store
 * and already dirty. A store there is a traced store and nothing else, so the
 * monitor takes it without walking the guest's tables again.
 */
const TRACED_STORE = 0x200;
const ALL_RIGHTS = TlbRight.SupervisorRead | TlbRight.UserRead | TlbRight.SupervisorWrite | TlbRight.UserWrite;
/** Shadows kept for this many guest address spaces (most recently used). */
export const CACHED_ADDRESS_SPACES = 4;
/** The shadow of a guest with paging off: guest-physical memory identity-mapped. */
const IDENTITY = -1;
/** A shadow table built with no guest table behind it (a 4 MiB page, paging off). */
const NO_GUEST_TABLE = -1;
/** What a guest frame is traced as (ShadowPaging.traceBits); a frame may be more than one. */
const enum TraceBit { Directory = 1, Table = 2, DescriptorTable = 4 }
/**
 * Guest frames that fall in the monitor's physical range are redirected here:
 * unbacked addresses just below it, which read as open bus like any other.
 */
const OPEN_BUS_FRAME = 0xbffff000;

export interface GuestControl {
	cr0: number;
	cr3: number;
	cr4: number;
}

/** The hardware this module drives: TLB invalidation and the CR3 it loads. */
export interface ShadowedCpu {
	cr3: number;
	flushTlb(): void;
	invlpg(linear: number): void;
	readPhysical32(address: number): number;
	writePhysical32(address: number, value: number): void;
	/** Ends the run after the current instruction. */
	requestExit(reason: string): void;
	/** Set, it also ends the running block after the current store (the block compiler's check after stores). */
	codeModified: boolean;
}

interface ShadowRoot {
	id: number;
	/** The guest page directory it shadows (physical, page aligned), or IDENTITY. */
	key: number;
	/** Physical address of the shadow page directory in monitor memory. */
	directory: number;
	/** Directory index -> shadow page table (its physical address; 0: none, as monitor memory is never at 0). */
	tables: Uint32Array;
	/** Directory index -> the guest page table that shadow table was built from (traced), or NO_GUEST_TABLE. */
	guestTables: Float64Array;
}

interface TableUse {
	root: ShadowRoot;
	index: number;
}

export interface ShadowPagingStatistics {
	/** Hidden faults: shadow entries filled from the guest's tables. */
	fills: number;
	/** Hidden faults: stores to traced pages, emulated in place or after a trace exit. */
	traceWrites: number;
	/** Of those, the ones that exited to the monitor from running guest code. */
	traceExits: number;
	/** Hidden faults: a supervisor store the guest allows (CR0.WP clear) that the shadow cannot grant. */
	protectionWrites: number;
	/** Faults the guest's own tables raise: reflected to the guest. */
	trueFaults: number;
	addressSpaceSwitches: number;
	addressSpaceBuilds: number;
	/** Every shadow dropped: paging mode change or the shadow pool ran out. */
	resets: number;
	/** The shadow GDT and LDT built again from the guest's (after LGDT, LLDT, a store into them, their pages remapped). */
	descriptorTableRebuilds: number;
}

class PoolExhausted extends Error {}

export class ShadowPaging {
	readonly statistics: ShadowPagingStatistics = { fills: 0, traceWrites: 0, traceExits: 0, protectionWrites: 0, trueFaults: 0, addressSpaceSwitches: 0, addressSpaceBuilds: 0, resets: 0, descriptorTableRebuilds: 0 };
	/** Set while guest code runs: a store to a traced page then throws TraceFault so the monitor sees the instruction. */
	trapTraces = false;
	/** A traced descriptor-table page was written: the monitor resyncs its shadow GDT. */
	descriptorTablesWritten = false;
	/** The guest wrote the directory entry of the monitor's slot: the monitor checks whether it must move. */
	monitorSlotWritten = false;
	/** The monitor's slot is unmapped for one guest instruction (truncated-access.ts): accesses there go by the guest's tables. */
	private monitorHidden = false;
	/**
	 * Counts changes to the guest's linear-to-physical mappings as the monitor
	 * sees them (traced table stores, INVLPG, address-space switches, resets):
	 * the descriptor tables may sit on other frames when it moves.
	 */
	mappingGeneration = 0;
	private roots: ShadowRoot[] = [];
	private active: ShadowRoot | undefined;
	private nextRootId = 0;
	private monitorTable = 0;
	private guest: GuestControl = { cr0: 0, cr3: 0, cr4: 0 };
	private readonly directories = new Map<number, Set<ShadowRoot>>();
	private readonly tables = new Map<number, TableUse[]>();
	/** Guest frame -> the byte ranges [first, last] of descriptor tables in it. */
	private descriptorPages = new Map<number, [number, number][]>();
	/**
	 * By guest frame number: which of the three maps above trace the frame (TraceBit), kept with them
	 * by retrace(). Every shadow fill and traced store asks about its frame; most are traced by none.
	 */
	private readonly traceBits = new Uint8Array(1 << 20);
	/** Guest frame -> the writable shadow entries mapping it (root id * 2^20 + linear page -> root). */
	private readonly writers = new Map<number, Map<number, ShadowRoot>>();
	private readonly guestWalk: PageWalkContext;
	/** The guest's tables walked without setting accessed or dirty bits. */
	private readonly quietWalk: PageWalkContext;

	constructor(private readonly cpu: ShadowedCpu, private readonly memory: MonitorMemory, private readonly region: MonitorRegion) {
		const inMonitor = (a: number): boolean => this.memory.contains(a >>> 0);
		this.guestWalk = {
			cr0: 0, cr3: 0, cr4: 0,
			// The guest's tables may point anywhere; the monitor's memory reads as open bus to them.
			readPhysical32: (a) => (inMonitor(a) ? -1 : cpu.readPhysical32(a)),
			writePhysical32: (a, v) => {
				if (!inMonitor(a)) cpu.writePhysical32(a, v);
			},
		};
		this.quietWalk = { ...this.guestWalk, writePhysical32: () => {} };
		this.resetPool();
	}

	/** The shadow directory the hardware CR3 must hold now. */
	get hardwareCr3(): number {
		return this.active?.directory ?? 0;
	}

	/**
	 * Follows the guest's CR0/CR3/CR4: switches to (or builds) the shadow of
	 * the guest's current address space and loads it into the hardware CR3.
	 * Returns true when the hardware's translations changed (flush the TLB).
	 */
	setGuestControl(control: GuestControl): boolean {
		const modeChanged = ((control.cr0 ^ this.guest.cr0) & (Cr0.PG | Cr0.WP)) !== 0 || ((control.cr4 ^ this.guest.cr4) & Cr4.PSE) !== 0;
		this.guest = { cr0: control.cr0, cr3: control.cr3, cr4: control.cr4 };
		Object.assign(this.guestWalk, this.guest);
		Object.assign(this.quietWalk, this.guest);
		if (modeChanged) this.reset();
		const key = control.cr0 & Cr0.PG ? (control.cr3 & ~0xfff) >>> 0 : IDENTITY;
		if (this.active?.key === key) return modeChanged;
		this.activate(key);
		this.mappingGeneration++;
		return true;
	}

	/** Drops every shadow (after a snapshot restore, or when the pool runs out) and rebuilds the current one lazily. */
	reset(): void {
		this.statistics.resets++;
		this.mappingGeneration++;
		this.resetPool();
		const key = this.active?.key;
		this.active = undefined;
		if (key !== undefined) this.activate(key);
		// The hardware may still cache write rights to pages the new shadows trace.
		this.cpu.flushTlb();
	}

	/**
	 * The hardware's page fault handler under shadow paging. Returns the
	 * physical address for this one access (the hardware does not cache it: its
	 * next access walks the shadow just filled), or the guest's own #PF (a true
	 * fault), or throws a TraceFault.
	 */
	resolve(linear: number, write: boolean, user: boolean): number | CpuException {
		if (this.region.contains(linear)) return this.resolveInMonitorSlot(linear, write, user);
		linear >>>= 0;
		if (write) {
			const shadowed = this.tracedStoreEntry(linear, user);
			if (shadowed !== 0) {
				const frame = (shadowed & ~0xfff) >>> 0;
				const kind = this.traceOf(frame);
				if (kind !== undefined) return this.tracedStore(linear, (frame | (linear & 0xfff)) >>> 0, kind);
			}
		}
		let t: Translation;
		if (this.root().key === IDENTITY) t = { frame: (linear & ~0xfff) >>> 0, rights: ALL_RIGHTS, large: false };
		else {
			// One walk of the guest's tables decides: a refusal is the guest's fault.
			const walked = tryWalk(this.guestWalk, linear, write, user);
			if (typeof walked === 'number') {
				this.statistics.trueFaults++;
				return new CpuException(Vector.PF, walked, linear);
			}
			t = walked;
		}
		try {
			return this.fill(linear, t, write);
		} catch (e) {
			if (!(e instanceof PoolExhausted)) throw e;
			this.reset();
			return this.fill(linear, t, write);
		}
	}

	/** The active shadow's entry for `linear` when a store there by a `user` access is a traced store alone (see TRACED_STORE), else 0. */
	private tracedStoreEntry(linear: number, user: boolean): number {
		const table = this.active?.tables[linear >>> 22] ?? 0;
		if (table === 0) return 0;
		const entry = this.memory.read32(table + ((linear >>> 12) & 0x3ff) * 4);
		const needed = PRESENT | TRACED_STORE | (user ? USER : 0);
		return (entry & needed) === needed ? entry : 0;
	}

	/** INVLPG: the shadow entry for the page goes too (it is refilled from the guest's entry on next use). */
	invalidatePage(linear: number): void {
		const table = this.active?.tables[linear >>> 22] ?? 0;
		if (table !== 0) this.memory.write32(table + ((linear >>> 12) & 0x3ff) * 4, 0);
		this.cpu.invlpg(linear);
		this.mappingGeneration++;
	}

	/** Whether any of the guest-physical bytes [address, address + length) is part of a traced descriptor table. */
	holdsDescriptorTable(address: number, length: number): boolean {
		const end = address + length;
		for (let at = address; at < end; at = (at & ~0xfff) + 0x1000) {
			if ((this.traceBits[at >>> 12] & TraceBit.DescriptorTable) === 0) continue;
			const spans = this.descriptorPages.get((at & ~0xfff) >>> 0);
			const first = at & 0xfff;
			const last = Math.min(0xfff, first + (end - 1 - at));
			if (spans?.some(([from, to]) => first <= to && last >= from)) return true;
		}
		return false;
	}

	/** The guest-physical pages holding its descriptor tables: traced so a store resyncs the shadow GDT. */
	traceDescriptorTables(ranges: readonly { base: number; limit: number }[]): void {
		const pages = new Map<number, [number, number][]>();
		for (const { base, limit } of ranges) {
			const end = base + limit;
			for (let at = (base & ~0xfff) >>> 0; at <= end; at += 0x1000) {
				const page = this.guestPhysicalPage(at >>> 0);
				if (page === undefined) continue;
				const span: [number, number] = [Math.max(base, at) - at, Math.min(end, at + 0xfff) - at];
				const spans = pages.get(page);
				if (spans) spans.push(span);
				else pages.set(page, [span]);
			}
		}
		const added = [...pages.keys()].filter((p) => !this.descriptorPages.has(p));
		const previous = this.descriptorPages;
		this.descriptorPages = pages;
		for (const page of previous.keys()) this.retrace(page);
		for (const page of pages.keys()) this.retrace(page);
		for (const page of added) this.writeProtect(page);
	}

	/** The guest-physical page behind `linear` by the guest's tables, without touching them; undefined when unmapped. */
	guestPhysicalPage(linear: number): number | undefined {
		if (!(this.guest.cr0 & Cr0.PG)) return (linear & ~0xfff) >>> 0;
		try {
			return walk(this.quietWalk, linear, false, false).frame;
		} catch (e) {
			if (e instanceof CpuException) return undefined;
			throw e;
		}
	}

	/** Which kind of trace covers a guest frame, if any. */
	traceOf(frame: number): TraceKind | undefined {
		const bits = this.traceBits[frame >>> 12];
		if (bits === 0) return undefined;
		if (bits & TraceBit.Directory) return 'page-directory';
		return bits & TraceBit.Table ? 'page-table' : 'descriptor-table';
	}

	/** Brings traceBits up to date for `frame` after one of the maps changed there. */
	private retrace(frame: number): void {
		this.traceBits[frame >>> 12] = (this.directories.has(frame) ? TraceBit.Directory : 0) | (this.tables.has(frame) ? TraceBit.Table : 0)
			| (this.descriptorPages.has(frame) ? TraceBit.DescriptorTable : 0);
	}

	get cachedAddressSpaces(): number {
		return this.roots.length;
	}

	// ---- filling -----------------------------------------------------------------------------

	private root(): ShadowRoot {
		if (!this.active) throw new Error('shadow paging has no active address space');
		return this.active;
	}

	/**
	 * An access the hardware could not make in the monitor's slot: a user
	 * access (the slot is supervisor-only), or any access while the slot is
	 * hidden. The guest's own tables decide: their fault is the guest's, and an
	 * access they allow (paging off, or a mapping the monitor has not moved away
	 * from yet) goes where they say, for this one access, never into the
	 * monitor's memory and never cached in a shadow entry.
	 */
	private resolveInMonitorSlot(linear: number, write: boolean, user: boolean): number | CpuException {
		let frame = (linear & ~0xfff) >>> 0;
		if (this.root().key !== IDENTITY) {
			const walked = tryWalk(this.guestWalk, linear, write, user);
			if (typeof walked === 'number') {
				this.statistics.trueFaults++;
				return new CpuException(Vector.PF, walked, linear >>> 0);
			}
			frame = walked.frame;
		}
		return ((this.memory.contains(frame) ? OPEN_BUS_FRAME : frame) | (linear & 0xfff)) >>> 0;
	}

	/** Whether the guest's active page directory maps directory slot `index` (never with paging off: the monitor cannot move away from an identity map). */
	guestMapsSlot(index: number): boolean {
		const key = this.root().key;
		return key !== IDENTITY && (this.guestWalk.readPhysical32((key + index * 4) >>> 0) & PRESENT) !== 0;
	}

	/**
	 * The monitor's region moved from directory slot `from` to the region's
	 * slot now: every shadow maps it there (dropping what it had there) and
	 * not at `from`, which the guest's own entry fills on next use.
	 */
	moveMonitor(from: number): void {
		const to = this.region.slot;
		for (const root of this.roots) {
			this.dropTable(root, to);
			this.memory.write32(root.directory + from * 4, 0);
			this.memory.write32(root.directory + to * 4, this.monitorTable | PRESENT | WRITABLE | ACCESSED);
		}
		this.mappingGeneration++;
		this.cpu.flushTlb();
	}

	/** Unmaps (hidden) or maps back the monitor's slot in the active shadow, around one guest instruction that may reach past it. */
	hideMonitor(hidden: boolean): void {
		this.monitorHidden = hidden;
		const root = this.root();
		this.memory.write32(root.directory + this.region.slot * 4, hidden ? 0 : this.monitorTable | PRESENT | WRITABLE | ACCESSED);
		this.cpu.flushTlb();
	}

	/** Fills the shadow entry for an access the guest's tables allow, as they translate it (`t`). */
	private fill(linear: number, t: Translation, write: boolean): number {
		const root = this.root();
		const index = linear >>> 22;
		let guestTable = -1;
		if (root.key !== IDENTITY) {
			const pde = this.guestWalk.readPhysical32(((this.guest.cr3 & ~0xfff) + index * 4) >>> 0);
			if (!(pde & LARGE && this.guest.cr4 & Cr4.PSE)) guestTable = (pde & ~0xfff) >>> 0;
		}
		const table = this.tableFor(root, index, guestTable);
		const frame = this.memory.contains(t.frame) ? OPEN_BUS_FRAME : t.frame;
		const userOk = (t.rights & TlbRight.UserRead) !== 0;
		const traced = this.traceOf(frame);
		// The guest's entries allow the store and are dirty (the rights of a clean entry hold no write).
		const guestWritable = (t.rights & TlbRight.SupervisorWrite) !== 0 && (!userOk || (t.rights & TlbRight.UserWrite) !== 0);
		const writable = traced === undefined && guestWritable;
		const bits = PRESENT | ACCESSED | DIRTY | (userOk ? USER : 0) | (writable ? WRITABLE : 0) | (traced !== undefined && guestWritable ? TRACED_STORE : 0);
		this.memory.write32(table + ((linear >>> 12) & 0x3ff) * 4, frame | bits);
		if (writable) this.addWriter(frame, root, linear >>> 12);
		const physicalAddress = (frame | (linear & 0xfff)) >>> 0;
		if (!write || writable) {
			this.statistics.fills++;
			return physicalAddress;
		}
		if (traced !== undefined) return this.tracedStore(linear, physicalAddress, traced);
		this.statistics.protectionWrites++;
		return physicalAddress;
	}

	/**
	 * A store to a traced page. To a page table or directory while guest code
	 * runs: an exit to the monitor (which counts it per instruction and may
	 * retranslate the instruction). Otherwise the shadow entries it changes are
	 * dropped and it lands; a store into a descriptor table also ends the run
	 * after the instruction, so the shadow GDT is resynced before the guest can
	 * load a segment from it (a store elsewhere in that page changes nothing).
	 */
	private tracedStore(linear: number, physicalAddress: number, kind: TraceKind): number {
		if (this.trapTraces && kind !== 'descriptor-table') {
			this.statistics.traceExits++;
			throw new TraceFault(linear, physicalAddress, kind);
		}
		this.statistics.traceWrites++;
		if (kind !== 'descriptor-table') this.mappingGeneration++;
		const frame = (physicalAddress & ~0xfff) >>> 0;
		const offset = physicalAddress & 0xfff;
		// A store of up to 4 bytes may touch two entries when unaligned.
		const first = offset >>> 2;
		const last = Math.min(1023, (offset + 3) >>> 2);
		for (let entry = first; entry <= last; entry++) this.invalidateEntry(frame, entry);
		if (this.holdsDescriptorTable(physicalAddress, 4)) {
			this.descriptorTablesWritten = true;
			this.cpu.requestExit('descriptor table written');
			this.cpu.codeModified = true;
		}
		return physicalAddress;
	}

	/** The guest is about to change entry `entry` of the table in `frame`: every shadow entry built from it goes. */
	private invalidateEntry(frame: number, entry: number): void {
		const bits = this.traceBits[frame >>> 12];
		if (bits & TraceBit.Directory) for (const root of this.directories.get(frame)!) {
			if (entry === this.region.slot) {
				// The monitor keeps its slot until it has looked at what the guest wrote there (after this store lands).
				this.monitorSlotWritten = true;
				this.cpu.requestExit('monitor slot written');
				this.cpu.codeModified = true;
				continue;
			}
			if (this.dropTable(root, entry) && root === this.active) this.cpu.flushTlb();
		}
		if (bits & TraceBit.Table) for (const use of this.tables.get(frame)!) {
			const table = use.root.tables[use.index];
			if (table === 0) continue;
			this.memory.write32(table + entry * 4, 0);
			if (use.root === this.active) this.cpu.invlpg(((use.index << 22) | (entry << 12)) >>> 0);
		}
	}

	private tableFor(root: ShadowRoot, index: number, guestTable: number): number {
		const existing = root.tables[index];
		if (existing !== 0) return existing;
		const table = this.allocate();
		this.memory.write32(root.directory + index * 4, table | PRESENT | WRITABLE | USER | ACCESSED);
		root.tables[index] = table;
		if (guestTable >= 0) {
			root.guestTables[index] = guestTable;
			const uses = this.tables.get(guestTable);
			if (uses) uses.push({ root, index });
			else {
				this.tables.set(guestTable, [{ root, index }]);
				this.retrace(guestTable);
				this.writeProtect(guestTable);
			}
		}
		return table;
	}

	private dropTable(root: ShadowRoot, index: number): boolean {
		const table = root.tables[index];
		if (table === 0) return false;
		this.memory.write32(root.directory + index * 4, 0);
		this.memory.releasePage(table);
		root.tables[index] = 0;
		const guestTable = root.guestTables[index];
		root.guestTables[index] = NO_GUEST_TABLE;
		if (guestTable !== NO_GUEST_TABLE) {
			const uses = (this.tables.get(guestTable) ?? []).filter((u) => u.root !== root || u.index !== index);
			if (uses.length > 0) this.tables.set(guestTable, uses);
			else {
				this.tables.delete(guestTable);
				this.retrace(guestTable);
			}
		}
		return true;
	}

	// ---- traces and writable mappings ------------------------------------------------------------

	private addWriter(frame: number, root: ShadowRoot, linearPage: number): void {
		let map = this.writers.get(frame);
		if (!map) this.writers.set(frame, (map = new Map()));
		map.set(root.id * 0x100000 + linearPage, root);
	}

	/** A page became traced: every writable shadow entry mapping it becomes read-only. */
	private writeProtect(frame: number): void {
		const map = this.writers.get(frame);
		if (!map) return;
		this.writers.delete(frame);
		for (const [key, root] of map) {
			const linearPage = key % 0x100000;
			const table = root.tables[linearPage >>> 10];
			if (table === 0) continue;
			const slot = table + (linearPage & 0x3ff) * 4;
			const entry = this.memory.read32(slot);
			if (!(entry & PRESENT) || !(entry & WRITABLE) || ((entry & ~0xfff) >>> 0) !== frame) continue;
			this.memory.write32(slot, entry & ~WRITABLE);
			if (root === this.active) this.cpu.invlpg(linearPage << 12);
		}
	}

	// ---- address spaces --------------------------------------------------------------------------

	private activate(key: number): void {
		let root = this.roots.find((r) => r.key === key);
		if (root) this.roots.splice(this.roots.indexOf(root), 1);
		else root = this.build(key);
		this.roots.unshift(root);
		while (this.roots.length > CACHED_ADDRESS_SPACES) this.evict(this.roots.pop()!);
		this.active = root;
		this.cpu.cr3 = root.directory;
		this.statistics.addressSpaceSwitches++;
	}

	private build(key: number): ShadowRoot {
		let directory: number;
		try {
			directory = this.allocate();
		} catch (e) {
			if (!(e instanceof PoolExhausted)) throw e;
			this.resetPool();
			directory = this.allocate();
		}
		if (!this.monitorHidden) this.memory.write32(directory + this.region.slot * 4, this.monitorTable | PRESENT | WRITABLE | ACCESSED);
		const root: ShadowRoot = { id: this.nextRootId++, key, directory, tables: new Uint32Array(1024), guestTables: new Float64Array(1024).fill(NO_GUEST_TABLE) };
		this.statistics.addressSpaceBuilds++;
		if (key !== IDENTITY) {
			const users = this.directories.get(key);
			if (users) users.add(root);
			else {
				this.directories.set(key, new Set([root]));
				this.retrace(key);
				this.writeProtect(key);
			}
		}
		return root;
	}

	private evict(root: ShadowRoot): void {
		for (let index = 0; index < 1024; index++) this.dropTable(root, index);
		this.memory.releasePage(root.directory);
		const users = this.directories.get(root.key);
		users?.delete(root);
		if (users?.size === 0) {
			this.directories.delete(root.key);
			this.retrace(root.key);
		}
	}

	private resetPool(): void {
		this.memory.releaseAll();
		this.roots = [];
		this.directories.clear();
		this.tables.clear();
		this.writers.clear();
		this.traceBits.fill(0);
		for (const page of this.descriptorPages.keys()) this.retrace(page);
		this.monitorTable = this.allocate();
		// The monitor's region: supervisor-only, so guest ring 3 cannot reach it; guest ring 0 is kept out by
		// compressed segments. Read-only too: the hardware never writes there (every shadow descriptor it can
		// load has its accessed bit set, and the monitor loads TR itself), so a store the monitor makes for the
		// guest at an address in this slot (a frame pushed on a stack the guest put there) faults, and goes by
		// the guest's tables (resolveInMonitorSlot) instead of into the shadow tables.
		for (let i = 0; i < 1024; i++) {
			this.memory.write32(this.monitorTable + i * 4, (this.memory.physicalBase + i * 0x1000) | PRESENT | ACCESSED | DIRTY);
		}
	}

	private allocate(): number {
		const page = this.memory.allocatePage();
		if (page === undefined) throw new PoolExhausted('shadow page pool exhausted');
		return page;
	}
}
