// The CPU's interrupt input under ring compression. Guest ring 0 runs with the
// real IF held at 1 (so the guest cannot mask the monitor), which would make the
// CPU stop at every block boundary while the guest has interrupts masked; the
// gate shows the PIC's request only when the guest's own IF allows it.

import type { InterruptLine } from '../x86/bus';
import type { VirtualCpu } from './virtual-cpu';
import { realRing } from './guest-state';

export function gatedInterruptLine(pic: InterruptLine, cpu: { readonly cpl: number }, vcpu: VirtualCpu): InterruptLine {
	const compressedRing0 = realRing(0);
	return {
		// Outside guest ring 0 the real IF is the guest's, and the CPU tests it itself.
		pending: () => (cpu.cpl !== compressedRing0 || vcpu.interruptFlag) && pic.pending(),
		acknowledge: () => pic.acknowledge(),
	};
}
