// The tables the hardware really uses while the guest kernel runs
// de-privileged. They live in the monitor's 4 MiB region (at 0xFFC00000 until
// the guest maps that slot: monitor-region.ts), which the shadow page tables
// map for supervisor accesses only; guest segments are truncated below it, so
// the guest can neither see nor change them.
//
// Synchronisation points: the shadow GDT and LDT are rebuilt from the guest's
// tables on LGDT and LLDT, on every segment-load trap, and before every
// reflection into the guest, and after any guest store to a traced
// descriptor-table page (the shadow page tables map those pages read-only).
// The monitor skips the rebuild at a point where nothing it was built from can
// have changed.

import { linear } from '../x86/addresses';
import { CpuException } from '../x86/exceptions';
import { segmentCache, type SegmentCache, type TableRegister } from '../x86/registers';
import type { SystemCpu } from '../x86/system/system-cpu';
import { compress, decodeSegment, encodeSegment, type SegmentDescriptor } from './descriptors';
import { MonitorRegion } from './monitor-region';
import type { VirtualCpu } from './virtual-cpu';

export const MONITOR_WINDOW_BYTES = 4 * 1024 * 1024;
const GDT_OFFSET = 0;
const GDT_BYTES = 0x10000;
const TSS_OFFSET = 0x10000;
const TSS_BYTES = 104;
const IDT_OFFSET = 0x11000;
const LDT_OFFSET = 0x20000;
/** A selector indexes at most 8192 descriptors of a table. */
const LDT_BYTES = 0x10000;
/** The table-indicator bit of a selector (and of a selector error code). */
const LDT_BIT = 4;
/** The last GDT slot holds the monitor's TSS: guests rarely fill a whole 64 KiB GDT. */
export const SHADOW_TSS_SELECTOR = 0xfff8;

/** What a shadow table was last built from. */
interface ShadowSource {
	guestBytes: Uint8Array;
	guestBase: number;
	monitorBase: number;
}

export interface ShadowTablesState {
	window: Uint8Array;
	gdtFrom: ShadowSource;
	ldtFrom: ShadowSource;
	monitorBase: number;
	accessPending: number[];
}

const unbuilt = (): ShadowSource => ({ guestBytes: new Uint8Array(0), guestBase: -1, monitorBase: -1 });
const copySource = (from: ShadowSource): ShadowSource => ({ ...from, guestBytes: from.guestBytes.slice() });

export class ShadowTables {
	private readonly view: DataView;
	/** The guest table bytes (and the places) each shadow was last built from. */
	private gdtFrom = unbuilt();
	private ldtFrom = unbuilt();
	/**
	 * Selectors (without RPL) of present code and data descriptors the guest
	 * has never loaded (accessed bit clear), in its GDT or LDT. Their shadows
	 * are marked not present, so the hardware's first load faults to the
	 * monitor, which sets the accessed bit in the guest's own table as the
	 * hardware would have (a hidden fault): the hardware setting it in the
	 * shadow would leave the guest's clear.
	 */
	private accessPending = new Set<number>();

	/** `window`: the monitor's region, which the shadow page tables map at `region.base`. */
	constructor(readonly window = new Uint8Array(MONITOR_WINDOW_BYTES), readonly region = new MonitorRegion()) {
		this.view = new DataView(window.buffer, window.byteOffset, MONITOR_WINDOW_BYTES);
		// The I/O map base points past the TSS limit, so no port is allowed by the bitmap: every IN/OUT at ring 1 or 3 traps.
		this.view.setUint16(TSS_OFFSET + 102, TSS_BYTES, true);
	}

	/** The hardware GDTR: the shadow GDT where the region is now. */
	get gdtr(): TableRegister {
		return { base: this.region.base + GDT_OFFSET, limit: GDT_BYTES - 1 };
	}

	/** Left empty: under ring compression the monitor delivers to the guest in software, so any hardware delivery is a monitor bug and ends in a triple fault. */
	get idtr(): TableRegister {
		return { base: this.region.base + IDT_OFFSET, limit: 0x7ff };
	}

	get tr(): SegmentCache {
		return {
			selector: SHADOW_TSS_SELECTOR, base: this.region.base + TSS_OFFSET, limit: TSS_BYTES - 1,
			type: 0xb, system: true, dpl: 0, present: true, big: false, usable: true,
		};
	}

	/**
	 * The hardware LDTR for the guest's: the shadow LDT in the monitor's
	 * region, as long as the guest's (a selector past the guest's limit still
	 * faults), or the guest's own null LDTR.
	 */
	ldtr(vcpu: VirtualCpu): SegmentCache {
		const guest = vcpu.ldtr;
		if (!guest.usable) return segmentCache(guest);
		return segmentCache({ ...guest, base: this.region.base + LDT_OFFSET, limit: Math.min(guest.limit, LDT_BYTES - 1) });
	}

	/** Rebuilds the shadow GDT when the guest's table (or the monitor's place) changed since the last build. Returns true when it did. */
	syncGdt(cpu: SystemCpu, vcpu: VirtualCpu): boolean {
		const guest = readGuestTable(cpu, vcpu.gdtr);
		if (!this.changed(this.gdtFrom, guest, vcpu.gdtr.base)) return false;
		this.gdtFrom = { guestBytes: guest, guestBase: vcpu.gdtr.base, monitorBase: this.region.base };
		// Entry 0 of the GDT is the null descriptor, never loaded.
		this.buildShadow(guest, GDT_OFFSET, GDT_BYTES, 0, 8);
		if (guest.length <= SHADOW_TSS_SELECTOR) this.writeDescriptor(GDT_OFFSET + SHADOW_TSS_SELECTOR, this.tssDescriptor(), 0);
		return true;
	}

	/** The same for the guest's LDT (empty while it has none). */
	syncLdt(cpu: SystemCpu, vcpu: VirtualCpu): boolean {
		const ldtr = vcpu.ldtr;
		const guest = ldtr.usable ? readGuestTable(cpu, ldtr) : new Uint8Array(0);
		if (!this.changed(this.ldtFrom, guest, ldtr.base)) return false;
		this.ldtFrom = { guestBytes: guest, guestBase: ldtr.base, monitorBase: this.region.base };
		this.buildShadow(guest, LDT_OFFSET, LDT_BYTES, LDT_BIT, 0);
		return true;
	}

	private changed(from: ShadowSource, guest: Uint8Array, guestBase: number): boolean {
		return guestBase !== from.guestBase || this.region.base !== from.monitorBase || !sameBytes(guest, from.guestBytes);
	}

	/** Compressed copies of the guest's descriptors from `first` on, at `area` in the region; `tableBit` tells GDT from LDT selectors. */
	private buildShadow(guest: Uint8Array, area: number, areaBytes: number, tableBit: number, first: number): void {
		this.window.fill(0, area, area + areaBytes);
		for (const key of this.accessPending) if ((key & LDT_BIT) === tableBit) this.accessPending.delete(key);
		const guestView = new DataView(guest.buffer);
		for (let offset = first; offset + 8 <= guest.length; offset += 8) {
			const d = decodeSegment({ low: guestView.getUint32(offset, true), high: guestView.getUint32(offset + 4, true) });
			// Bits the decoded form does not carry (AVL) are kept from the guest's descriptor.
			const keep = guestView.getUint32(offset + 4, true) & (1 << 20);
			const compressed = compress(d, this.region.base);
			const pending = !d.system && d.present && (d.type & 1) === 0;
			if (pending) this.accessPending.add(offset | tableBit);
			this.writeDescriptor(area + offset, pending ? { ...compressed, present: false } : compressed, keep);
		}
	}

	/**
	 * The hardware stack for entries into real ring 1 is the guest's ring-0
	 * stack. A guest TSS its tables do not map keeps the last one: the guest
	 * faults on it only when a delivery needs it, which reflect reads afresh.
	 */
	syncTss(cpu: SystemCpu, vcpu: VirtualCpu): void {
		let stack: ReturnType<typeof guestRing0Stack>;
		try {
			stack = guestRing0Stack(cpu, vcpu);
		} catch (e) {
			if (e instanceof CpuException) return;
			throw e;
		}
		if (!stack) return;
		this.view.setUint32(TSS_OFFSET + 12, stack.esp, true);
		this.view.setUint32(TSS_OFFSET + 16, (stack.ss & 0xfffc) | 1, true);
	}

	/** True when a #NP or #SS with this error code is the hardware's first load of a never-loaded guest GDT or LDT descriptor. */
	isAccessPending(errorCode: number): boolean {
		return (errorCode & 3) === 0 && this.accessPending.has(errorCode & 0xfffc);
	}

	/** A descriptor of the shadow GDT, as the hardware sees it. */
	shadowDescriptor(selector: number): SegmentDescriptor {
		const offset = GDT_OFFSET + (selector & 0xfff8);
		return decodeSegment({ low: this.view.getUint32(offset, true), high: this.view.getUint32(offset + 4, true) });
	}

	saveState(): ShadowTablesState {
		return {
			window: this.window.slice(), gdtFrom: copySource(this.gdtFrom), ldtFrom: copySource(this.ldtFrom),
			monitorBase: this.region.base, accessPending: [...this.accessPending],
		};
	}

	/** The region's place comes back too; the caller moves the hardware and the shadow page tables to it. */
	loadState(s: ShadowTablesState): void {
		this.window.set(s.window);
		this.gdtFrom = copySource(s.gdtFrom);
		this.ldtFrom = copySource(s.ldtFrom);
		this.region.moveTo(s.monitorBase);
		this.accessPending = new Set(s.accessPending);
	}

	private tssDescriptor(): SegmentDescriptor {
		return { base: this.tr.base, limit: this.tr.limit, type: 0xb, system: true, dpl: 0, present: true, big: false, granular: false };
	}

	/** Writes a descriptor at `at` in the region. */
	private writeDescriptor(at: number, d: SegmentDescriptor, extraHighBits: number): void {
		const raw = encodeSegment(d, extraHighBits);
		this.view.setUint32(at, raw.low, true);
		this.view.setUint32(at + 4, raw.high, true);
	}
}

/** The guest's descriptor table bytes; entries the guest's paging cannot reach read as zero (not present). */
export function readGuestTable(cpu: SystemCpu, table: TableRegister): Uint8Array {
	const length = Math.min(table.limit + 1, GDT_BYTES);
	const bytes = new Uint8Array(length);
	const view = new DataView(bytes.buffer);
	for (let offset = 0; offset + 4 <= length; offset += 4) {
		try {
			view.setUint32(offset, cpu.readLinear32(linear(table.base + offset), false), true);
		} catch (e) {
			if (!(e instanceof CpuException)) throw e;
		}
	}
	return bytes;
}

/** SS0:ESP0 from the guest's TSS, or undefined when the guest has loaded none. */
export function guestRing0Stack(cpu: SystemCpu, vcpu: VirtualCpu): { ss: number; esp: number } | undefined {
	if (!vcpu.tr.usable || vcpu.tr.limit < 11) return undefined;
	return {
		esp: cpu.readLinear32(linear(vcpu.tr.base + 4), false) >>> 0,
		ss: cpu.readLinear16(linear(vcpu.tr.base + 8), false),
	};
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
	if (a.length !== b.length) return false;
	for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
	return true;
}
