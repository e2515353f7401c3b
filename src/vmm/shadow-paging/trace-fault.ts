// A guest store to a traced page while guest code runs: a hidden fault. It is
// thrown from the page-fault path as a CpuException so compiled code unwinds
// with the exact EIP of the storing instruction; the monitor never reflects it
// (it is not the guest's), it counts it, lets that one instruction store with
// tracing relaxed, and may retranslate the instruction (adaptive translation).

import { CpuException, PageFaultCode, Vector } from '../../x86/exceptions';

export type TraceKind = 'page-table' | 'page-directory' | 'descriptor-table';

export class TraceFault extends CpuException {
	constructor(readonly linear: number, readonly guestPhysical: number, readonly traceKind: TraceKind) {
		super(Vector.PF, PageFaultCode.Present | PageFaultCode.Write, linear >>> 0);
	}
}
