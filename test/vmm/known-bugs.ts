// Example guests that expose a Ringside bug not fixed yet. Their tests in the
// modes listed run as `todo`: reported with the reason, not failing the
// suite. Remove an entry once its bug is fixed.

import type { MonitorMode } from '../../src/vmm/views';

type Reasons = Readonly<Record<string, Partial<Record<MonitorMode, string>>>>;

/** Guests whose output differs from QEMU's in a mode. */
const AGAINST_QEMU: Reasons = {};

/** Guests that can tell a monitor mode from native. */
const AGAINST_NATIVE: Reasons = {};

/** Why the guest's output under `mode` is expected to differ from QEMU's, or undefined when it must not. */
export function knownBugAgainstQemu(guest: string, mode: MonitorMode): string | undefined {
	return AGAINST_QEMU[guest]?.[mode];
}

/** Why the guest under `mode` is expected to differ from native mode, or undefined when it must not. */
export function knownBugAgainstNative(guest: string, mode: Exclude<MonitorMode, 'native'>): string | undefined {
	return AGAINST_NATIVE[guest]?.[mode];
}
