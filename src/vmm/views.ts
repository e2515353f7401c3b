// The two pictures of the CPU the debugger draws side by side: what the
// guest believes, and what the hardware really holds while the monitor runs it.

import type { SegmentCache, TableRegister } from '../x86/registers';
import type { ControlAndTableRegisters } from '../x86/system-registers';
import type { ShadowPagingStatistics } from './shadow-paging/shadow-paging';

export type MonitorMode = 'native' | 'trap-and-emulate' | 'binary-translation';
export type ExecutionMode = 'direct' | 'translated' | 'monitor';

export interface SegmentView {
	selector: number;
	base: number;
	limit: number;
	dpl: number;
	type: number;
	usable: boolean;
}

export interface GuestCpuView extends ControlAndTableRegisters<SegmentView> {
	/** eax, ecx, edx, ebx, esp, ebp, esi, edi as unsigned values. */
	registers: Record<'eax' | 'ecx' | 'edx' | 'ebx' | 'esp' | 'ebp' | 'esi' | 'edi', number>;
	eip: number;
	/** With the guest's own IF and IOPL. */
	eflags: number;
	segments: Record<'es' | 'cs' | 'ss' | 'ds' | 'fs' | 'gs', SegmentView>;
	/** The privilege level the guest believes it runs at. */
	cpl: number;
}

export interface TranslationCacheStatistics {
	blocks: number;
	capacity: number;
	flushes: number;
	executions: number;
}

export interface MonitorCpuView {
	mode: MonitorMode;
	/** The hardware's CPL: 1 while the guest kernel runs compressed. */
	cpl: number;
	eflags: number;
	segments: Record<'es' | 'cs' | 'ss' | 'ds' | 'fs' | 'gs', SegmentView>;
	gdtr: TableRegister;
	idtr: TableRegister;
	tr: SegmentView;
	/** How the code at EIP runs: natively, from the translation cache, or inside the monitor (a pending emulation). */
	execution: ExecutionMode;
	translationCache: TranslationCacheStatistics;
	/** Under ring compression: the shadow page tables' hidden faults (fills, trace writes) and the true faults reflected. */
	shadowPaging?: ShadowPagingStatistics;
}

export function segmentView(s: SegmentCache, selector = s.selector): SegmentView {
	return { selector, base: s.base >>> 0, limit: s.limit >>> 0, dpl: s.dpl, type: s.type, usable: s.usable };
}
