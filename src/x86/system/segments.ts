// Loading data and stack segment registers (MOV Sreg, POP Sreg, LDS...) with
// the protected-mode privilege rules, and the segment-register bookkeeping
// shared by far transfers.

import { CpuException, Vector } from '../exceptions';
import { Cr0, Seg, segmentCache, type SegmentCache } from '../registers';
import {
	fetchDescriptor, isConformingCode, isReadable, isWritableData, markAccessed, segmentCacheFrom, type Descriptor,
} from './descriptors';
import { isNullSelector, selectorErrorCode, selectorRpl, withRpl } from './selectors';
import type { SystemCpu } from './system-cpu';

/** A data segment register holding a null selector: loads fine, faults on use. */
export function nullDataSegment(selector: number): SegmentCache {
	return { selector, base: 0, limit: 0, type: 0, system: false, dpl: 0, present: false, big: false, usable: false };
}

const gp = (selector: number): CpuException => new CpuException(Vector.GP, selectorErrorCode(selector));

export function loadSegment(cpu: SystemCpu, seg: Seg, selector: number): void {
	selector &= 0xffff;
	if (seg === Seg.CS) throw new RangeError('CS is loaded only by far transfers and interrupt delivery, not by loadSegment');
	if ((cpu.cr0 & Cr0.PE) === 0) {
		cpu.seg[seg] = segmentCache({ ...cpu.seg[seg], selector, base: selector << 4, usable: true });
		return;
	}
	if (seg === Seg.SS) {
		loadStackSegment(cpu, selector);
		return;
	}
	if (isNullSelector(selector)) {
		cpu.seg[seg] = nullDataSegment(selector);
		return;
	}
	const d = fetchDescriptor(cpu, selector);
	if (d === undefined || !isReadable(d)) throw gp(selector);
	if (!isConformingCode(d) && (selectorRpl(selector) > d.dpl || cpu.cpl > d.dpl)) throw gp(selector);
	if (!d.present) throw new CpuException(Vector.NP, selectorErrorCode(selector));
	cpu.seg[seg] = segmentCacheFrom(selector, markAccessed(cpu, selector, d));
}

function loadStackSegment(cpu: SystemCpu, selector: number): void {
	if (isNullSelector(selector)) throw new CpuException(Vector.GP, 0);
	const d = fetchDescriptor(cpu, selector);
	if (d === undefined || selectorRpl(selector) !== cpu.cpl || !isWritableData(d) || d.dpl !== cpu.cpl) throw gp(selector);
	if (!d.present) throw new CpuException(Vector.SS, selectorErrorCode(selector));
	cpu.seg[Seg.SS] = segmentCacheFrom(selector, markAccessed(cpu, selector, d));
}

/** Makes `d` the code segment at privilege `cpl`: the selector's RPL always shows the CPL. */
export function enterCodeSegment(cpu: SystemCpu, selector: number, d: Descriptor, cpl: number): void {
	cpu.seg[Seg.CS] = segmentCacheFrom(withRpl(selector, cpl), d);
	cpu.cpl = cpl;
}

const DATA_SEGMENTS = [Seg.ES, Seg.DS, Seg.FS, Seg.GS] as const;

/**
 * After a return to an outer ring, data segment registers the new ring may not
 * use are nulled, so the outer code cannot keep a more privileged segment.
 */
export function revalidateDataSegments(cpu: SystemCpu): void {
	for (const seg of DATA_SEGMENTS) {
		const cache = cpu.seg[seg];
		if (!cache.usable) continue;
		const conformingCode = !cache.system && (cache.type & 0xc) === 0xc;
		if (!conformingCode && cache.dpl < cpu.cpl) cpu.seg[seg] = nullDataSegment(0);
	}
}
