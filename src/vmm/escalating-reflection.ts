// Reflection into the guest's IDT with the hardware's escalation: a
// contributory fault while delivering one becomes #DF, and a fault while
// delivering #DF a triple fault. A fault in delivery returns to the
// instruction at EIP (reflect changes nothing when it fails), so the next
// attempt starts from the same state.

import type { Cpu } from '../x86/cpu';
import { CpuException, hasErrorCode, Vector } from '../x86/exceptions';
import type { CompressedHardware } from './compressed-hardware';
import { reflect, type Reflection } from './reflection';
import type { VirtualCpu } from './virtual-cpu';

const CONTRIBUTORY = new Set<number>([Vector.DE, Vector.TS, Vector.NP, Vector.SS, Vector.GP]);

/** What reflectEscalating did: `first` delivered, or what its delivery raised instead, or a triple fault. */
export interface Escalation {
	/** `first` itself was delivered (an INT n then completed). */
	delivered: boolean;
	/** Set when delivering #DF failed: the machine shuts down. */
	tripleFault?: string;
}

const DELIVERED: Escalation = { delivered: true };
const REPLACED: Escalation = { delivered: false };

/** Delivers `first` or what it escalates to. */
export function reflectEscalating(cpu: Cpu, vcpu: VirtualCpu, hardware: CompressedHardware, first: Reflection): Escalation {
	let current = first;
	for (;;) {
		const error = tryReflect(cpu, vcpu, hardware, current);
		if (error === undefined) return current === first ? DELIVERED : REPLACED;
		if (current.vector === Vector.DF && current.source === 'fault') return { delivered: false, tripleFault: `triple fault: ${error.message} while delivering #DF` };
		const vector = current.vector;
		const exceptional = current.source === 'fault' || current.source === 'trap';
		const escalate = exceptional && (vector === Vector.PF ? error.vector === Vector.PF || CONTRIBUTORY.has(error.vector) : CONTRIBUTORY.has(vector) && CONTRIBUTORY.has(error.vector));
		if (error.vector === Vector.PF && error.faultAddress !== undefined) vcpu.cr2 = cpu.cr2 = error.faultAddress;
		current = escalate
			? { vector: Vector.DF, source: 'fault', errorCode: 0, returnEip: cpu.eip }
			: { vector: error.vector, source: 'fault', errorCode: hasErrorCode(error.vector) ? error.errorCode ?? 0 : undefined, returnEip: cpu.eip };
	}
}

/**
 * One delivery of `r` with the shadow tables current and the monitor's slot seen as the guest maps it:
 * undefined when delivered, else what the delivery raised (reflect changes nothing then).
 */
export function tryReflect(cpu: Cpu, vcpu: VirtualCpu, hardware: CompressedHardware, r: Reflection): CpuException | undefined {
	hardware.resyncTables();
	const guestView = hardware.beginGuestView();
	try {
		reflect(cpu, vcpu, r, hardware.descriptors);
		return undefined;
	} catch (error) {
		if (error instanceof CpuException) return error;
		throw error;
	} finally {
		hardware.endGuestView(guestView);
	}
}
