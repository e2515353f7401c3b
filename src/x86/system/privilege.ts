import { CpuException, Vector } from '../exceptions';
import { Flag, IOPL_SHIFT } from '../registers';
import type { SystemCpu } from './system-cpu';

/** Privileged instructions raise #GP(0) outside ring 0: the trap trap-and-emulate relies on. */
export function requireRing0(cpu: SystemCpu): void {
	if (cpu.cpl > 0) throw new CpuException(Vector.GP, 0);
}

export function iopl(cpu: SystemCpu): number {
	return (cpu.systemFlags() & Flag.IOPL) >>> IOPL_SHIFT;
}
