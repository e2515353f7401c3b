// The tables the hardware really uses while the guest kernel runs
// de-privileged. They live in the monitor's 4 MiB region (at 0xFFC00000 until
// the guest maps that slot: monitor-region.ts), which the shadow page tables
// map for supervisor accesses only; guest segments are truncated below it, so
// the guest can neither see nor change them.
//
// Synchronisation points: the shadow GDT is rebuilt from the guest's GDT on
// LGDT, on every segment-load trap, and before every reflection into the
// guest, and after any guest store to a traced descriptor-table page (the
// shadow page tables map those pages read-only). The monitor skips the
// rebuild at a point where nothing it was built from can have changed.

import { linear } from '../x86/addresses';
import { CpuException } from '../x86/exceptions';
import type { SegmentCache, TableRegister } from '../x86/registers';
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
/**
 * The region's bytes the hardware itself writes: the accessed and busy bits of
 * the shadow GDT. The shadow page tables map the rest read-only, so a write the
 * monitor makes for the guest (a pushed frame, a callout's store) at a linear
 * address in the monitor's slot faults as the guest's #PF instead of landing
 * in the monitor's tables.
 */
export const HARDWARE_WRITTEN_BYTES = GDT_OFFSET + GDT_BYTES;
/** The last GDT slot holds the monitor's TSS: guests rarely fill a whole 64 KiB GDT. */
export const SHADOW_TSS_SELECTOR = 0xfff8;

export interface ShadowTablesState {
	window: Uint8Array;
	lastGuestGdt: Uint8Array;
	lastGuestBase: number;
	lastMonitorBase: number;
	monitorBase: number;
	accessPending: number[];
}

export class ShadowTables {
	private readonly view: DataView;
	/** The guest GDT bytes the shadow was last built from. */
	private lastGuestGdt: Uint8Array = new Uint8Array(0);
	private lastGuestBase = -1;
	/** The monitor base the shadow GDT's limits were cut below. */
	private lastMonitorBase = -1;
	/**
	 * GDT offsets of present code and data descriptors the guest has never
	 * loaded (accessed bit clear). Their shadows are marked not present, so the
	 * hardware's first load faults to the monitor, which sets the accessed bit
	 * in the guest's own table as the hardware would have (a hidden fault):
	 * the hardware setting it in the shadow would leave the guest's clear.
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

	/** Rebuilds the shadow GDT when the guest's table (or the monitor's place) changed since the last build. Returns true when it did. */
	syncGdt(cpu: SystemCpu, vcpu: VirtualCpu): boolean {
		const guest = readGuestTable(cpu, vcpu.gdtr);
		if (vcpu.gdtr.base === this.lastGuestBase && this.region.base === this.lastMonitorBase && sameBytes(guest, this.lastGuestGdt)) return false;
		this.window.fill(0, GDT_OFFSET, GDT_OFFSET + GDT_BYTES);
		this.accessPending.clear();
		const guestView = new DataView(guest.buffer);
		for (let offset = 8; offset + 8 <= guest.length; offset += 8) {
			const d = decodeSegment({ low: guestView.getUint32(offset, true), high: guestView.getUint32(offset + 4, true) });
			// Bits the decoded form does not carry (AVL) are kept from the guest's descriptor.
			const keep = guestView.getUint32(offset + 4, true) & (1 << 20);
			const compressed = compress(d, this.region.base);
			const pending = !d.system && d.present && (d.type & 1) === 0;
			if (pending) this.accessPending.add(offset);
			this.writeDescriptor(offset, pending ? { ...compressed, present: false } : compressed, keep);
		}
		if (guest.length <= SHADOW_TSS_SELECTOR) this.writeDescriptor(SHADOW_TSS_SELECTOR, this.tssDescriptor(), 0);
		this.lastGuestGdt = guest;
		this.lastGuestBase = vcpu.gdtr.base;
		this.lastMonitorBase = this.region.base;
		return true;
	}

	/** The hardware stack for entries into real ring 1 is the guest's ring-0 stack. */
	syncTss(cpu: SystemCpu, vcpu: VirtualCpu): void {
		const stack = guestRing0Stack(cpu, vcpu);
		if (!stack) return;
		this.view.setUint32(TSS_OFFSET + 12, stack.esp, true);
		this.view.setUint32(TSS_OFFSET + 16, (stack.ss & 0xfffc) | 1, true);
	}

	/** True when a #NP or #SS with this error code is the hardware's first load of a never-loaded guest GDT descriptor. */
	isAccessPending(errorCode: number): boolean {
		return (errorCode & 7) === 0 && this.accessPending.has(errorCode & 0xfff8);
	}

	/** A descriptor of the shadow GDT, as the hardware sees it. */
	shadowDescriptor(selector: number): SegmentDescriptor {
		const offset = GDT_OFFSET + (selector & 0xfff8);
		return decodeSegment({ low: this.view.getUint32(offset, true), high: this.view.getUint32(offset + 4, true) });
	}

	saveState(): ShadowTablesState {
		return {
			window: this.window.slice(), lastGuestGdt: this.lastGuestGdt.slice(), lastGuestBase: this.lastGuestBase, lastMonitorBase: this.lastMonitorBase,
			monitorBase: this.region.base, accessPending: [...this.accessPending],
		};
	}

	/** The region's place comes back too; the caller moves the hardware and the shadow page tables to it. */
	loadState(s: ShadowTablesState): void {
		this.window.set(s.window);
		this.lastGuestGdt = s.lastGuestGdt.slice();
		this.lastGuestBase = s.lastGuestBase;
		this.lastMonitorBase = s.lastMonitorBase;
		this.region.base = s.monitorBase;
		this.accessPending = new Set(s.accessPending);
	}

	private tssDescriptor(): SegmentDescriptor {
		return { base: this.tr.base, limit: this.tr.limit, type: 0xb, system: true, dpl: 0, present: true, big: false, granular: false };
	}

	private writeDescriptor(offset: number, d: SegmentDescriptor, extraHighBits: number): void {
		const raw = encodeSegment(d, extraHighBits);
		this.view.setUint32(GDT_OFFSET + offset, raw.low, true);
		this.view.setUint32(GDT_OFFSET + offset + 4, raw.high, true);
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
