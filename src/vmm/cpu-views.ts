// Builds the two pictures of views.ts from the hardware and the virtual CPU,
// and reads guest memory for the debugger without side effects.

import { linear, physical, type LinearAddress, type PhysicalAddress } from '../x86/addresses';
import type { MemoryBus } from '../x86/bus';
import type { Cpu } from '../x86/cpu';
import { CpuException } from '../x86/exceptions';
import { walk } from '../x86/paging';
import { Cr0, REG_NAMES, Seg, SEG_NAMES } from '../x86/registers';
import { guestExtent } from './guest-limits';
import { guestEflags, guestSelector } from './guest-state';
import { monitorBaseOf } from './monitor-region';
import { segmentView, type ExecutionMode, type GuestCpuView, type MonitorCpuView, type MonitorMode, type TranslationCacheStatistics } from './views';
import type { ShadowPagingStatistics } from './shadow-paging/shadow-paging';
import type { VirtualCpu } from './virtual-cpu';

export function buildGuestView(cpu: Cpu, vcpu: VirtualCpu, native: boolean): GuestCpuView {
	const registers = Object.fromEntries(REG_NAMES.map((n, i) => [n, cpu.regs[i] >>> 0])) as GuestCpuView['registers'];
	const segments = Object.fromEntries(SEG_NAMES.map((n, i) => {
		const cache = cpu.seg[i];
		if (native) return [n, segmentView(cache)];
		const view = segmentView(cache, guestSelector(cpu, vcpu, i as Seg));
		// The guest sees the DPL, limit and type it wrote: a compressed DPL 1 is its DPL 0.
		return [n, { ...view, dpl: cache.dpl === 1 ? 0 : cache.dpl, ...guestExtent(cpu, vcpu, cache, monitorBaseOf(cpu)) }];
	})) as GuestCpuView['segments'];
	const control = native ? cpu : vcpu;
	return {
		registers, eip: cpu.eip >>> 0,
		eflags: native ? cpu.getEflags() >>> 0 : guestEflags(cpu, vcpu),
		segments,
		cr0: control.cr0 >>> 0, cr2: control.cr2 >>> 0, cr3: control.cr3 >>> 0, cr4: control.cr4 >>> 0,
		gdtr: { ...control.gdtr }, idtr: { ...control.idtr },
		ldtr: segmentView(control.ldtr), tr: segmentView(control.tr),
		cpl: control.cpl,
	};
}

export function buildMonitorView(cpu: Cpu, mode: MonitorMode, execution: ExecutionMode, translationCache: TranslationCacheStatistics, shadowPaging?: ShadowPagingStatistics): MonitorCpuView {
	const segments = Object.fromEntries(SEG_NAMES.map((n, i) => [n, segmentView(cpu.seg[i])])) as MonitorCpuView['segments'];
	return {
		mode, cpl: cpu.cpl, eflags: cpu.getEflags() >>> 0, segments,
		gdtr: { ...cpu.gdtr }, idtr: { ...cpu.idtr }, tr: segmentView(cpu.tr), execution, translationCache,
		...(shadowPaging ? { shadowPaging } : {}),
	};
}

/**
 * Guest memory through the guest's paging (`control`: the guest's CR0/CR3/CR4,
 * which under shadow paging are the virtual CPU's): undefined when a page is not
 * mapped. No side effects: the walk sets no accessed bits.
 */
export function readGuestLinear(control: { cr0: number; cr3: number; cr4: number }, memory: MemoryBus, address: LinearAddress, length: number): Uint8Array | undefined {
	const tables = { cr0: control.cr0, cr3: control.cr3, cr4: control.cr4, readPhysical32: (a: number) => memory.read32(physical(a)), writePhysical32: () => {} };
	const out = new Uint8Array(length);
	let done = 0;
	while (done < length) {
		const at = linear(address + done);
		const chunk = Math.min(length - done, 0x1000 - (at & 0xfff));
		let physicalAddress: PhysicalAddress;
		try {
			physicalAddress = physical((control.cr0 & Cr0.PG) ? walk(tables, at, false, false).frame | (at & 0xfff) : at);
		} catch (e) {
			if (e instanceof CpuException) return undefined;
			throw e;
		}
		out.set(memory.peek(physicalAddress, chunk), done);
		done += chunk;
	}
	return out;
}
