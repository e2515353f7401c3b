// The guest's segment descriptors as deliveries and returns use them: read
// from the guest's GDT or LDT, decoded, and compressed for the hardware.
// Every reflection and IRET looks up the same few selectors (the kernel's code
// and stack segments); reading, decoding and compressing them each time costs
// more than the rest of the delivery, so the monitor keeps them (and the gates
// reflection resolved through them) for as long as its shadow GDT is current:
// it clears them on every rebuild of the shadow, which follows every change the
// guest can make to its tables (a store to a traced descriptor-table page,
// LGDT, LLDT, a remapping, a write from outside the CPU, a restore), and drops
// them itself when the monitor's region moves (compression cuts limits below it).

import type { SegmentCache } from '../x86/registers';
import type { SystemCpu } from '../x86/system/system-cpu';
import { compress, toSegmentCache, type SegmentDescriptor } from './descriptors';
import { readGuestDescriptor } from './guest-state';
import { monitorBaseOf, type MonitorRegion } from './monitor-region';
import type { ResolvedGate } from './reflection';
import type { VirtualCpu } from './virtual-cpu';

export interface GuestDescriptor {
	/** As the guest wrote it: what the guest's rules check. */
	guest: SegmentDescriptor;
	/** As the hardware holds it under ring compression. */
	compressed: SegmentDescriptor;
	/** The hardware segment caches made from it, by the loaded selector's RPL (see hardwareSegment). */
	loaded: (SegmentCache | undefined)[];
	/** What far returns through it were checked to reach (far-transfers.ts), by returnKey. */
	returns: (CodeTarget | undefined)[];
	/** The hardware cache an outward return was checked to load into SS from it, by the ring returned to. */
	outerStacks: (SegmentCache | undefined)[];
}

/** A code segment a far transfer may enter: the virtual ring it runs at and its hardware cache. */
export interface CodeTarget {
	cpl: number;
	cache: SegmentCache;
}

/** Where a far return from virtual ring `fromCpl` through a selector with RPL `rpl` is kept in GuestDescriptor.returns. */
export const returnKey = (rpl: number, fromCpl: number): number => rpl * 4 + fromCpl;

/**
 * The segment cache the hardware holds with `selector` (its RPL the real ring)
 * loaded from `entry`: made once per RPL and shared, as segment caches are
 * never changed in place, so a delivery or IRET allocates none.
 */
export function hardwareSegment(entry: GuestDescriptor, selector: number): SegmentCache {
	return (entry.loaded[selector & 3] ??= toSegmentCache(selector, entry.compressed));
}

export interface GuestDescriptors {
	/** The descriptor `selector` names; throws as readGuestDescriptor does. */
	lookup(cpu: SystemCpu, vcpu: VirtualCpu, selector: number): GuestDescriptor;
	/** A gate as reflection resolved it against these descriptors (by gateKey), if kept. */
	resolvedGate?(key: number): ResolvedGate | undefined;
	keepResolvedGate?(key: number, gate: ResolvedGate): void;
}

/** Reads afresh every time: for callers outside the monitor, which has no shadow tables to follow. */
export const uncachedDescriptors: GuestDescriptors = {
	lookup(cpu, vcpu, selector) {
		const guest = readGuestDescriptor(cpu, vcpu, selector);
		return { guest, compressed: compress(guest, monitorBaseOf(cpu)), loaded: [], returns: [], outerStacks: [] };
	},
};

/** Past this many selectors the cache starts over (a guest cycling through a huge LDT loses the cache, never memory). */
const KEPT = 1024;

export class GuestDescriptorCache implements GuestDescriptors {
	/** By selector >>> 2 (index and table bit): a plain array, as every delivery and IRET looks here. */
	private readonly entries: (GuestDescriptor | undefined)[] = new Array(0x4000).fill(undefined);
	/** The keys set in `entries`, so clearing touches only those. */
	private readonly keys: number[] = [];
	/** The monitor's linear base the entries were compressed for. */
	private monitorBase = -1;
	/** By gateKey (256 vectors x 4 rings x INT n or not). */
	private readonly gates: (ResolvedGate | undefined)[] = new Array(256 * 4 * 2).fill(undefined);
	private gatesKept = false;

	constructor(private readonly region: MonitorRegion) {}

	lookup(cpu: SystemCpu, vcpu: VirtualCpu, selector: number): GuestDescriptor {
		this.followMonitorBase();
		const key = (selector & 0xfffc) >>> 2;
		let entry = this.entries[key];
		if (entry === undefined) {
			entry = uncachedDescriptors.lookup(cpu, vcpu, selector);
			if (this.keys.length >= KEPT) this.clear();
			this.entries[key] = entry;
			this.keys.push(key);
		}
		return entry;
	}

	/** What a far return through `selector` was already checked to reach (GuestDescriptor.returns, by returnKey); reads no table. */
	checkedReturn(selector: number, key: number): CodeTarget | undefined {
		this.followMonitorBase();
		return this.entries[(selector & 0xfffc) >>> 2]?.returns[key];
	}

	/** The SS an outward return to ring `cpl` was already checked to load from `selector` (GuestDescriptor.outerStacks); reads no table. */
	checkedOuterStack(selector: number, cpl: number): SegmentCache | undefined {
		this.followMonitorBase();
		return (selector & 3) === cpl ? this.entries[(selector & 0xfffc) >>> 2]?.outerStacks[cpl] : undefined;
	}

	resolvedGate(key: number): ResolvedGate | undefined {
		this.followMonitorBase();
		return this.gates[key];
	}

	keepResolvedGate(key: number, gate: ResolvedGate): void {
		this.gates[key] = gate;
		this.gatesKept = true;
	}

	/** Everything here was compressed for the monitor's base: a move of its region starts over. */
	private followMonitorBase(): void {
		if (this.region.base === this.monitorBase) return;
		this.clear();
		this.monitorBase = this.region.base;
	}

	/** The guest's tables (or where they are mapped, or the monitor's placement) may have changed. */
	clear(): void {
		for (const key of this.keys) this.entries[key] = undefined;
		this.keys.length = 0;
		if (this.gatesKept) this.gates.fill(undefined);
		this.gatesKept = false;
	}

	get size(): number {
		return this.keys.length;
	}
}
