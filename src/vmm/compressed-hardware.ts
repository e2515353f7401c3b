// What the hardware holds while the compressed modes run guest ring 0 at real
// ring 1: the monitor's region with the shadow GDT, IDT and TSS, the shadow
// page tables, and the control registers as the hardware must see them. Keeps
// the shadow descriptor tables in step with the guest's, and moves the region
// when the guest maps its slot.

import type { Cpu } from '../x86/cpu';
import { Cr0, Flag, Seg, segmentCache } from '../x86/registers';
import { compressLoaded } from './descriptors';
import { currentLinear, type EventReporter, type Site } from './event-reporter';
import { hex } from './format';
import { GuestDescriptorCache } from './guest-descriptors';
import { realRing } from './guest-state';
import type { MonitoredPc } from './hardware';
import { attachMonitorRegion, MonitorRegion } from './monitor-region';
import { relocateIfMapped } from './monitor-relocation';
import { MonitorMemory } from './shadow-paging/monitor-memory';
import { ShadowPaging } from './shadow-paging/shadow-paging';
import { ShadowTables } from './shadow-tables';
import type { VirtualCpu } from './virtual-cpu';

export class CompressedHardware {
	readonly shadow: ShadowTables;
	readonly paging: ShadowPaging;
	/** Guest descriptors that deliveries and IRETs use, valid while the shadow GDT is: cleared on every rebuild. */
	readonly descriptors: GuestDescriptorCache;
	/**
	 * What the shadow GDT and the traced descriptor pages were last built
	 * from. A resync finding all of it the same skips the rebuild: a change to
	 * the guest's tables could only come through a traced store, a mapping
	 * change, a write from outside the CPU or a restore, which all show here.
	 */
	private readonly tablesSyncedFrom = { gdtBase: 0, gdtLimit: 0, ldtUsable: false, ldtBase: 0, ldtLimit: 0, mappings: 0, frames: [] as (number | undefined)[] };
	private tablesStale = true;
	/**
	 * The guest instruction whose store the monitor is letting through (a trace
	 * fault's instruction), so what that store makes the monitor do is
	 * reported there rather than at the instruction after it.
	 */
	storeSite: Site | undefined;

	constructor(private readonly cpu: Cpu, private readonly vcpu: VirtualCpu, guestMemory: MonitoredPc['memory'], private readonly reporter: EventReporter) {
		const memory = new MonitorMemory();
		memory.attachTo(guestMemory);
		const region = new MonitorRegion();
		attachMonitorRegion(cpu, region);
		this.descriptors = new GuestDescriptorCache(region);
		this.shadow = new ShadowTables(memory.region, region);
		const paging = new ShadowPaging(cpu, memory, region);
		this.paging = paging;
		cpu.pageFaultHandler = (at, write, user) => paging.resolve(at, write, user);
	}

	/** Takes the machine over from the guest's start state: shadow tables loaded, the loaded segment caches compressed. */
	enter(): void {
		const { cpu, vcpu, shadow } = this;
		this.syncHardwareControl();
		this.resyncTables();
		cpu.gdtr = { ...shadow.gdtr };
		cpu.idtr = { ...shadow.idtr };
		cpu.tr = { ...shadow.tr };
		// The caches loaded before the monitor took over (the multiboot start state) are compressed in place.
		for (let s = Seg.ES; s <= Seg.GS; s++) {
			const c = cpu.seg[s];
			if (!c.usable || c.system) continue;
			const d = compressLoaded(c, c.limit, c.type, shadow.region.base);
			const selector = s === Seg.CS || s === Seg.SS ? (c.selector & 0xfffc) | realRing(vcpu.cpl) : c.selector;
			cpu.seg[s] = segmentCache({ ...c, selector, dpl: d.dpl, limit: d.limit, type: d.type });
		}
		cpu.cpl = realRing(vcpu.cpl);
		const flags = cpu.getEflags();
		cpu.setEflags((flags & ~(Flag.IOPL | Flag.IF)) | (vcpu.cpl === 0 ? Flag.IF : flags & (Flag.IF | Flag.IOPL)));
		this.syncHardwareControl();
	}

	/**
	 * From here to endGuestView (given what this returns) the monitor accesses
	 * memory for the guest: its own region's slot reads and writes as the
	 * guest's tables map it (Cpu.guestViewSlot), so a frame, an operand or a
	 * table the guest placed there never reaches the monitor's tables.
	 */
	beginGuestView(): number {
		const previous = this.cpu.guestViewSlot;
		this.cpu.guestViewSlot = this.shadow.region.slot;
		return previous;
	}

	endGuestView(previous: number): void {
		this.cpu.guestViewSlot = previous;
	}

	/** A write the shadow tracing did not see (code pages, the debugger, loaders, a restore) may have changed a descriptor table. */
	markTablesStale(): void {
		this.tablesStale = true;
	}

	/** After guest code ran: what its stores to traced pages left the monitor to follow. */
	followGuestStores(): void {
		const paging = this.paging;
		if (paging.monitorSlotWritten) this.followGuestMappings();
		if (paging.descriptorTablesWritten) this.resyncTables();
	}

	/**
	 * When the guest's active page directory maps the slot of the monitor's
	 * region, the region moves to a free slot (monitor-relocation.ts). With no
	 * free slot NoFreeMonitorSlot is thrown, the monitor unchanged, and the
	 * run ends as 'unsupported' (Monitor.run).
	 */
	followGuestMappings(): void {
		this.paging.monitorSlotWritten = false;
		const moved = relocateIfMapped(this.cpu, this.vcpu, this.shadow, this.paging);
		if (moved && this.reporter.listening) {
			const site = this.storeSite ?? { eip: this.cpu.eip, linear: currentLinear(this.cpu) };
			this.reporter.emitAt('monitor-relocation', site, '', `the guest maps ${hex(moved.from)}-${hex(moved.from + 0x3fffff)}: moved the monitor's region (shadow GDT, IDT, TSS) to ${hex(moved.to)}`, { from: moved.from, to: moved.to });
		}
	}

	resyncTables(): void {
		const { shadow, paging } = this;
		const { gdtr, ldtr } = this.vcpu;
		const from = this.tablesSyncedFrom;
		// A traced store into a descriptor table leaves the flag set until this rebuild, which clears it.
		if (!this.tablesStale && !paging.descriptorTablesWritten
			&& from.gdtBase === gdtr.base && from.gdtLimit === gdtr.limit
			&& from.ldtUsable === ldtr.usable && from.ldtBase === ldtr.base && from.ldtLimit === ldtr.limit) {
			// The shadow TSS is left as it is: its ring-1 stack serves hardware deliveries, and the monitor
			// delivers everything itself (reflect reads the guest's TSS at each one); it follows at rebuilds.
			if (from.mappings === paging.mappingGeneration) return;
			// Some mapping changed (a page-table store, INVLPG, another address space: a kernel does these all the
			// time): the tables need rebuilding only if their own pages now map elsewhere.
			if (sameFrames(from.frames, this.descriptorTableFrames())) {
				from.mappings = paging.mappingGeneration;
				return;
			}
		}
		paging.descriptorTablesWritten = false;
		paging.statistics.descriptorTableRebuilds++;
		this.descriptors.clear();
		// The guest's tables are read as the guest sees them: tables it placed in the monitor's slot are not the monitor's.
		const guestView = this.beginGuestView();
		try {
			shadow.syncGdt(this.cpu, this.vcpu);
			shadow.syncLdt(this.cpu, this.vcpu);
			shadow.syncTss(this.cpu, this.vcpu);
		} finally {
			this.endGuestView(guestView);
		}
		this.cpu.ldtr = shadow.ldtr(this.vcpu);
		paging.traceDescriptorTables(ldtr.usable ? [gdtr, ldtr] : [gdtr]);
		this.tablesStale = false;
		Object.assign(from, {
			gdtBase: gdtr.base, gdtLimit: gdtr.limit, ldtUsable: ldtr.usable, ldtBase: ldtr.base, ldtLimit: ldtr.limit,
			mappings: paging.mappingGeneration, frames: this.descriptorTableFrames(),
		});
	}

	/** The guest-physical page behind each linear page of the guest's GDT and LDT (undefined where unmapped), in order. */
	private descriptorTableFrames(): (number | undefined)[] {
		const { gdtr, ldtr } = this.vcpu;
		const frames: (number | undefined)[] = [];
		for (const { base, limit } of ldtr.usable ? [gdtr, ldtr] : [gdtr]) {
			for (let at = (base & ~0xfff) >>> 0; at <= base + limit; at += 0x1000) frames.push(this.paging.guestPhysicalPage(at >>> 0));
		}
		return frames;
	}

	/**
	 * The guest's control registers as the hardware must hold them: paging
	 * always on (the shadow identity-maps guest-physical memory while the guest's
	 * is off), CR0.WP always set so traced pages are read-only for ring 1 too,
	 * and CR3 on the shadow of the guest's current address space.
	 */
	syncHardwareControl(): void {
		const { cpu, vcpu, paging } = this;
		cpu.cr0 = vcpu.cr0 | Cr0.PE | Cr0.PG | Cr0.WP;
		cpu.cr2 = vcpu.cr2;
		cpu.cr4 = vcpu.cr4;
		const pagingChanged = paging.setGuestControl(vcpu);
		// Another address space, or paging turned on: its directory may map the monitor's slot.
		if (pagingChanged) this.followGuestMappings();
		cpu.ldtr = this.shadow.ldtr(vcpu);
		this.shadow.syncTss(cpu, vcpu);
		if (pagingChanged) cpu.flushTlb();
	}

	/** After a restore: the shadows describe the machine before it, so they are rebuilt lazily from the restored guest tables. */
	restored(shadowState: ReturnType<ShadowTables['saveState']> | undefined): void {
		if (shadowState) this.shadow.loadState(shadowState);
		this.tablesStale = true;
		this.paging.reset();
		this.syncHardwareControl();
	}
}

function sameFrames(a: readonly (number | undefined)[], b: readonly (number | undefined)[]): boolean {
	return a.length === b.length && a.every((frame, i) => frame === b[i]);
}
