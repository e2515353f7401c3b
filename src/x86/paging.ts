// The two-level IA-32 page walk (4 KiB pages, 4 MiB pages under CR4.PSE),
// with the U/S and R/W checks (CR0.WP for supervisor writes) and the
// accessed/dirty updates the hardware makes in the tables.

import { CpuException, PageFaultCode, Vector } from './exceptions';
import { Cr0, Cr4 } from './registers';
import { TlbRight } from './tlb';

export interface PageWalkContext {
	cr0: number;
	cr3: number;
	cr4: number;
	readPhysical32(address: number): number;
	writePhysical32(address: number, value: number): void;
}

const PRESENT = 1, WRITABLE = 2, USER = 4, ACCESSED = 0x20, DIRTY = 0x40, LARGE = 0x80;

export interface Translation {
	/** Physical address of the start of the 4 KiB frame. */
	frame: number;
	/** TlbRight bits this translation grants without another walk. */
	rights: number;
	/** Through a 4 MiB page (CR4.PSE): INVLPG anywhere in it drops it. */
	large: boolean;
}

/**
 * Translates `linear` for one access or throws #PF with the exact error code
 * and the faulting address.
 */
export function walk(ctx: PageWalkContext, linear: number, write: boolean, user: boolean): Translation {
	const t = tryWalk(ctx, linear, write, user);
	if (typeof t === 'number') throw new CpuException(Vector.PF, t, linear >>> 0);
	return t;
}

/**
 * The walk without the throw: the translation, or the #PF error code the
 * access raises. A monitor that decides what a miss means (shadow paging) asks
 * this way, so a walk that misses costs no unwind. Accessed and dirty bits are
 * set only when the access succeeds (our choice: the SDM allows setting A in
 * entries a faulting walk used, but does not require it).
 */
export function tryWalk(ctx: PageWalkContext, linear: number, write: boolean, user: boolean): Translation | number {
	const denied = (write ? PageFaultCode.Write : 0) | (user ? PageFaultCode.User : 0);
	const pdeAddress = ((ctx.cr3 & ~0xfff) + ((linear >>> 22) << 2)) >>> 0;
	const pde = ctx.readPhysical32(pdeAddress);
	if (!(pde & PRESENT)) return denied;
	const wp = (ctx.cr0 & Cr0.WP) !== 0;
	const large = (pde & LARGE) !== 0 && (ctx.cr4 & Cr4.PSE) !== 0;
	let userOk: boolean;
	let writeOk: boolean;
	let pte = 0;
	let pteAddress = 0;
	if (large) {
		userOk = (pde & USER) !== 0;
		writeOk = (pde & WRITABLE) !== 0;
	} else {
		pteAddress = ((pde & ~0xfff) + (((linear >>> 12) & 0x3ff) << 2)) >>> 0;
		pte = ctx.readPhysical32(pteAddress);
		if (!(pte & PRESENT)) return denied;
		userOk = (pde & USER) !== 0 && (pte & USER) !== 0;
		writeOk = (pde & WRITABLE) !== 0 && (pte & WRITABLE) !== 0;
	}
	if (user && !userOk) return denied | PageFaultCode.Present;
	if (write && !writeOk && (user || wp)) return denied | PageFaultCode.Present;

	let dirty: boolean;
	let frame: number;
	if (large) {
		const updated = pde | ACCESSED | (write ? DIRTY : 0);
		if (updated !== pde) ctx.writePhysical32(pdeAddress, updated);
		dirty = (updated & DIRTY) !== 0;
		frame = ((pde & 0xffc00000) | (linear & 0x3ff000)) >>> 0;
	} else {
		if (!(pde & ACCESSED)) ctx.writePhysical32(pdeAddress, pde | ACCESSED);
		const updated = pte | ACCESSED | (write ? DIRTY : 0);
		if (updated !== pte) ctx.writePhysical32(pteAddress, updated);
		dirty = (updated & DIRTY) !== 0;
		frame = (pte & ~0xfff) >>> 0;
	}
	let rights = TlbRight.SupervisorRead | (userOk ? TlbRight.UserRead : 0);
	if (dirty) {
		if (writeOk || !wp) rights |= TlbRight.SupervisorWrite;
		if (writeOk && userOk) rights |= TlbRight.UserWrite;
	}
	return { frame, rights, large };
}
