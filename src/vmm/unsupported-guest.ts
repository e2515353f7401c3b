// What ring compression cannot represent stops the machine cleanly (the run
// outcome 'unsupported', CLI exit 14, an editor stop with this message)
// rather than letting the guest run on a machine that is no longer the one it
// expects.

/** Thrown from anywhere in the monitor, before it changed anything for the access at hand. */
export class UnsupportedGuest extends Error {}

/**
 * Guest code at ring 1 or 2: the monitor runs guest ring 0 at real ring 1, so
 * it could not keep those rings apart from ring 0 (the guest's privileged
 * instructions there would be emulated as ring 0's).
 */
export function middleRing(selector: number, ring: number): UnsupportedGuest {
	return new UnsupportedGuest(`the guest enters ring ${ring} (code selector 0x${(selector & 0xfffc).toString(16).padStart(4, '0')}): ring compression runs guest ring 0 at real ring 1, so the monitor cannot keep guest rings 1 and 2 apart from ring 0; run this guest in native mode`);
}

/** The guest clears CR0.PE: ring compression needs protected mode (real mode would need v8086 or translation). */
export function realMode(): UnsupportedGuest {
	return new UnsupportedGuest('the guest leaves protected mode (it clears CR0.PE): the monitor virtualizes protected-mode code only; run this guest in native mode');
}

/** A far CALL or JMP through a call gate: the monitor does not perform gate transfers. */
export function callGate(selector: number): UnsupportedGuest {
	return new UnsupportedGuest(`the guest transfers through a call gate (selector 0x${(selector & 0xfffc).toString(16).padStart(4, '0')}): the monitor does not perform call-gate transfers; run this guest in native mode`);
}
