// The run loop: finds or compiles the region holding the block at CS:EIP and
// runs it until the budget is used, a stop address is reached, an instruction
// faults (returned, not delivered), HLT, INT n, a pending interrupt, or a
// callout's request. Regions keep loops inside one function; the loop here
// runs between regions and at least every SLICE instructions, which is where
// interrupts are looked at. Each region links, per EIP it was left at, to the
// region that ran next: following a link costs a few comparisons instead of the
// cache's lookup and address-space check.

import { physical, type LinearAddress } from './addresses';
import { BlockCache, link, region, unlink, type CachedRegion, type RegionOrigin } from './block-cache';
import { compileRegion, continuesRegion, type InstructionEmitter } from './block-compiler';
import type { Cpu, ExitRequest } from './cpu';
import { decodeBlock, MAX_BLOCK_INSTRUCTIONS, type CodeFetch, type CodePage } from './decoder';
import type { DecodedBlock, DecodedInstruction } from './decoded-instruction';
import { CpuException, Vector } from './exceptions';
import { JOIN_AFTER, joinRegions } from './joined-regions';
import { tryWalk } from './paging';
import { Cr0, Dr6, Flag, Seg } from './registers';
import { Tlb } from './tlb';

export type CpuExit =
	| { kind: 'budget' }
	| { kind: 'stop-address'; address: LinearAddress }
	| { kind: 'exception'; exception: CpuException }
	| { kind: 'halt' }
	| { kind: 'software-interrupt'; vector: number; /** The INT instruction's own EIP. */ eip: number; returnEip: number }
	| { kind: 'interrupt' }
	| { kind: 'callout-stop'; reason: string }
	/** RunOptions.absorb handled an exit and asked the run to end there. */
	| { kind: 'absorbed' };

/**
 * What RunOptions.absorb did with an exception or a software interrupt:
 * - 'continue': delivered it; the run goes on at the new CS:EIP without returning;
 * - 'end': delivered it, but the run must return now (`{ kind: 'absorbed' }`);
 * - 'exit': left it alone; the run returns it as usual.
 */
export type Absorbed = 'continue' | 'end' | 'exit';

export interface RunOptions {
	/**
	 * The emitter for code running at a CPL, if any. It must give the same
	 * emitter for a CPL for as long as blocks stay cached (call
	 * cpu.invalidateAllBlocks() when that changes).
	 */
	emitterFor?: (cpl: number) => InstructionEmitter | undefined;
	/**
	 * Offered each exception and software interrupt before the run returns it, so
	 * that whoever delivers them (the monitor) can do so without the run loop
	 * being left and re-entered: a guest taking faults in a loop stays here.
	 */
	absorb?: (exit: CpuExit & { kind: 'exception' | 'software-interrupt' }) => Absorbed;
	/**
	 * Offered each exception raised inside a region first: true when it was delivered (CS:EIP now at
	 * the handler; the region goes on there if the handler is one of its blocks and nothing asks the
	 * run to stop); false when it changed nothing, and the exception goes to `absorb` as usual.
	 */
	deliver?: (e: CpuException) => boolean;
}

/**
 * Most instructions a region runs before the run loop looks at the interrupt line again. What
 * raises the line inside a run (I/O, a change of IF) already ends the region's run, so this only
 * bounds the latency of a line that changes by itself. Trips through the run loop are kept rare:
 * early in a run, before V8 has optimised it, each one costs a tight loop many iterations.
 */
export const SLICE = 65536;
/** Most blocks compiled into one region. */
const MAX_REGION_BLOCKS = 32;

/** Code fetch for the decoder: through paging with the CPL's U/S rights, as instruction fetches are. */
function codeFetch(cpu: Cpu): CodeFetch {
	const user = cpu.cpl === 3;
	const page = (linear: LinearAddress, p: number): CodePage => {
		const length = 4096 - (linear & 0xfff);
		const bytes = p + length <= cpu.memory.ramSize ? cpu.memory.ram.subarray(p, p + length) : cpu.memory.peek(physical(p), length);
		return { bytes, physicalPage: p >>> 12 };
	};
	return {
		fetch: (linear) => page(linear, cpu.translate(linear, false, user)),
		peek: (linear) => {
			const p = quietTranslation(cpu, linear, user);
			return p === undefined ? undefined : page(linear, p);
		},
	};
}

/**
 * Where a fetch of `linear` goes, if finding out changes nothing: a TLB hit, or a walk of the
 * tables the hardware walks that needs no accessed bit set and does not fault (a miss is not
 * offered to the monitor's page fault handler).
 */
function quietTranslation(cpu: Cpu, linear: number, user: boolean): number | undefined {
	const cached = cpu.tlb.entries[linear >>> 12];
	if (cached & Tlb.right(false, user)) return ((cached & ~0xfff) | (linear & 0xfff)) >>> 0;
	if (!(cpu.cr0 & Cr0.PG)) return linear >>> 0;
	let changes = false;
	const walked = tryWalk({ cr0: cpu.cr0, cr3: cpu.cr3, cr4: cpu.cr4, readPhysical32: (a) => cpu.readPhysical32(a), writePhysical32: () => { changes = true; } }, linear, false, user);
	return typeof walked === 'number' || changes ? undefined : (walked.frame | (linear & 0xfff)) >>> 0;
}

/**
 * Decodes the block at CS:`eip`. The one at CS:EIP is being executed; any other is a region's
 * successor, which may never run: its code is only peeked at (no fault, no accessed bit).
 */
function decodeAt(cpu: Cpu, eip: number, maxInstructions: number): DecodedBlock {
	const cs = cpu.seg[Seg.CS];
	const stops = cpu.stopAddresses;
	return decodeBlock(codeFetch(cpu), cs.base, cs.limit, eip, {
		maxInstructions,
		stopBefore: stops.size > 0 ? (a) => stops.has(a >>> 0) : undefined,
		speculative: eip !== cpu.eip,
	});
}

/** The direct near target of a block's last instruction, if it has one. */
function nearTarget(last: DecodedInstruction): number | undefined {
	const target = last.operands[0];
	if (target?.kind !== 'near' || last.flowControl === 'Next') return undefined;
	return last.operandSize === 16 ? target.target & 0xffff : target.target >>> 0;
}

/** The block ends a loop: a conditional branch backwards. */
function closesLoop(block: DecodedBlock): boolean {
	const last = block.instructions[block.instructions.length - 1];
	const near = nearTarget(last);
	return last.flowControl === 'ConditionalBranch' && near !== undefined && near <= last.eip;
}

interface Successors {
	/** Where the block may go next that is worth compiling with it. */
	next: number[];
	/** A direct call's return address, worth compiling with it only if the callee does not loop. */
	returnTo?: { eip: number; callee: number };
}

/**
 * Where a block may go next without leaving CS: its fall-through and a direct near target,
 * less the code that has not run yet when the region gets hot: the way out of a loop (the
 * fall-through of a branch backwards), and the return address of a call to a loop (see
 * buildRegion). Compiled into the hot function, V8 would throw the optimised code away the
 * first time that code runs, and the loop would start slow the next time round. Such code
 * gets a region of its own, reached by a link.
 */
function successors(block: DecodedBlock): Successors {
	const last = block.instructions[block.instructions.length - 1];
	if (!continuesRegion(last)) return { next: [] };
	const near = nearTarget(last);
	const next = near === undefined ? [] : [near];
	if (closesLoop(block)) return { next };
	if (last.flowControl === 'Call' && near !== undefined) return { next, returnTo: { eip: block.endEip, callee: near } };
	if (last.flowControl === 'Next' || last.flowControl === 'ConditionalBranch' || last.flowControl === 'Call' || last.flowControl === 'IndirectCall') next.push(block.endEip);
	return { next };
}

/** True when a loop closes in the region's blocks reachable from `start` (unknown code counts as no loop). */
function loopsFrom(blocks: ReadonlyMap<number, DecodedBlock>, start: number): boolean {
	const seen = new Set<number>();
	const stack = [start];
	while (stack.length > 0) {
		const block = blocks.get(stack.pop()!);
		if (block === undefined || seen.has(block.eip)) continue;
		seen.add(block.eip);
		if (closesLoop(block)) return true;
		const { next, returnTo } = successors(block);
		stack.push(...next);
		if (returnTo !== undefined) stack.push(returnTo.eip);
	}
	return false;
}

function origin(cpu: Cpu, emitter: InstructionEmitter | undefined): RegionOrigin {
	return { csBase: cpu.seg[Seg.CS].base, cpl: cpu.cpl, emitter, epoch: cpu.blocks.mappingEpoch };
}

/**
 * Decodes the block at EIP and the blocks it reaches on the same linear page
 * (not already cached), compiles them into one region and caches it. The
 * entry's own successors are taken in even when cached if they are no loop (the
 * block after a system call's return, going back to the INT), or if the entry
 * lies inside them (where a fault handler returned into a loop's block): the
 * region would otherwise leave for theirs at every pass. A cached loop entered
 * from before it is not compiled again (V8 would have to optimise it afresh).
 */
function buildRegion(cpu: Cpu, emitter: InstructionEmitter | undefined): CachedRegion {
	const cs = cpu.seg[Seg.CS];
	const emitted = emitter !== undefined;
	const keyOf = (b: DecodedBlock): number => BlockCache.key(b.linear, cpu.cpl, emitted);
	const entry = decodeAt(cpu, cpu.eip, MAX_BLOCK_INSTRUCTIONS);
	const page = entry.linear >>> 12;
	const blocks = [entry];
	const byEip = new Map([[entry.eip, entry]]);
	const seen = new Set([entry.eip]);
	const queue: number[] = [];
	/** Return addresses of calls, taken in once the region's blocks show whether the callee loops. */
	let returns: { eip: number; callee: number }[] = [];
	const follow = (block: DecodedBlock): void => {
		const { next, returnTo } = successors(block);
		queue.push(...next);
		if (returnTo !== undefined) returns.push(returnTo);
	};
	// Code that rewrites its own page would recompile a whole region per store: it gets one block at a time.
	if (!cpu.blocks.isRewritten(entry.physicalPages[0])) follow(entry);
	const around = new Set(queue.filter((eip) => worthTakingAgain(cpu, emitted, eip, entry.eip)));
	while (blocks.length < MAX_REGION_BLOCKS) {
		if (queue.length === 0) {
			// Once the callee is in, the code after a call to a loop is cold: it runs when the loop ends.
			for (const r of returns) if (!loopsFrom(byEip, r.callee)) queue.push(r.eip);
			returns = [];
			if (queue.length === 0) break;
		}
		const eip = queue.shift()!;
		if (seen.has(eip)) continue;
		seen.add(eip);
		const linear = (cs.base + eip) >>> 0;
		if (linear >>> 12 !== page || (!around.has(eip) && cpu.blocks.get(BlockCache.key(linear, cpu.cpl, emitted)))) continue;
		let block: DecodedBlock;
		try {
			block = decodeAt(cpu, eip, MAX_BLOCK_INSTRUCTIONS);
		} catch (e) {
			// Not reachable now (a fault on fetch): it is raised if execution gets there.
			if (e instanceof CpuException) continue;
			throw e;
		}
		blocks.push(block);
		byEip.set(block.eip, block);
		follow(block);
	}
	const compiled = region(blocks, compileRegion(blocks, { emitter, stops: cpu.stopAddresses, cpl: cpu.cpl, csBase: cpu.seg[Seg.CS].base }), blocks.map(keyOf), origin(cpu, emitter));
	cpu.blocks.add(compiled);
	return compiled;
}

/** Whether the cached block at CS:`eip`, a successor of the entry at `entry`, is worth compiling into the entry's region too (see buildRegion). */
function worthTakingAgain(cpu: Cpu, emitted: boolean, eip: number, entry: number): boolean {
	const cached = cpu.blocks.get(BlockCache.key((cpu.seg[Seg.CS].base + eip) >>> 0, cpu.cpl, emitted));
	const block = cached?.blocks.find((b) => b.eip === eip);
	return block !== undefined && (!closesLoop(block) || (block.eip < entry && entry < block.endEip));
}

/** True when every linear page `entry` was fetched through still maps the same physical page, fetchable at this CPL. */
function stillMapped(cpu: Cpu, entry: CachedRegion): boolean {
	const pairs = entry.mappings;
	try {
		for (let i = 0; i < pairs.length; i += 2) {
			if (cpu.translate((pairs[i] * 4096) as LinearAddress, false, cpu.cpl === 3) >>> 12 !== pairs[i + 1]) return false;
		}
	} catch (e) {
		// Unmapped now: recompiling raises the fault where the fetch happens.
		if (e instanceof CpuException) return false;
		throw e;
	}
	return true;
}

/** `entry` if it may run in the current address space (checked once per address-space change); stale ones are dropped. */
function current(cpu: Cpu, entry: CachedRegion | undefined): CachedRegion | undefined {
	if (entry === undefined || entry.checkedEpoch === cpu.blocks.mappingEpoch) return entry;
	if (entry.csBase === cpu.seg[Seg.CS].base && remapChecked(cpu, entry)) return entry;
	cpu.blocks.discard(entry);
	return undefined;
}

/** True when a region from an older mapping epoch still has its code where it was fetched from (it is then up to date). */
function remapChecked(cpu: Cpu, entry: CachedRegion): boolean {
	if (!stillMapped(cpu, entry)) return false;
	entry.checkedEpoch = cpu.blocks.mappingEpoch;
	return true;
}

/**
 * The instruction at EIP alone, for a budget that ends inside its block: a short budget then
 * steps through cached one-instruction regions.
 */
function stepRegion(cpu: Cpu, key: number, emitter: InstructionEmitter | undefined): CachedRegion {
	const stepKey = BlockCache.stepKey(key);
	const cached = current(cpu, cpu.blocks.get(stepKey));
	if (cached !== undefined && cached.csBase === cpu.seg[Seg.CS].base) return cached;
	const block = decodeAt(cpu, cpu.eip, 1);
	const compiled = region([block], compileRegion([block], { emitter, stops: cpu.stopAddresses, cpl: cpu.cpl, csBase: cpu.seg[Seg.CS].base }), [stepKey], origin(cpu, emitter));
	cpu.blocks.add(compiled);
	return compiled;
}

/** The exit itself, or what `absorb` made of it: null to go on running. */
function offer(exit: CpuExit & { kind: 'exception' | 'software-interrupt' }, absorb: RunOptions['absorb']): CpuExit | null {
	if (absorb === undefined) return exit;
	switch (absorb(exit)) {
		case 'continue': return null;
		case 'end': return { kind: 'absorbed' };
		case 'exit': return exit;
	}
}

/** Most links one region keeps (an indirect jump or a return may lead to many places). */
const MAX_LINKS = 16;

/** The region `from` linked to for `eip`, if it still is the code to run there now. */
function linked(cpu: Cpu, from: CachedRegion | undefined, eip: number, options: RunOptions | undefined): CachedRegion | undefined {
	if (from === undefined) return undefined;
	const to = from.lastLinkEip === eip ? from.lastLink : from.links.get(eip);
	if (to === undefined) return undefined;
	// After a change of address space the link stands if the region's code is still mapped where it was (INVLPG
	// and CR3 writes in a loop would otherwise cost a cache lookup each time round).
	const current = !to.dropped && to.csBase === cpu.seg[Seg.CS].base && to.cpl === cpu.cpl && (to.checkedEpoch === cpu.blocks.mappingEpoch || remapChecked(cpu, to));
	if (current && to.emitter === options?.emitterFor?.(cpu.cpl)) {
		from.lastLinkEip = eip;
		from.lastLink = to;
		return to;
	}
	unlink(from, eip);
	return undefined;
}

/**
 * The region to run at CS:EIP from the cache (compiling it if needed), or a one-instruction one
 * for a budget that ends inside its first block. `previous` (the region run before) links to it.
 */
function lookUp(cpu: Cpu, linear: number, remaining: number, options: RunOptions | undefined, previous: CachedRegion | undefined): CachedRegion {
	const emitter = options?.emitterFor?.(cpu.cpl);
	const key = BlockCache.key(linear, cpu.cpl, emitter !== undefined);
	const cached = current(cpu, cpu.blocks.get(key));
	// Regions dispatch on EIP: one compiled under another CS base is not this code.
	const entry = cached !== undefined && cached.csBase === cpu.seg[Seg.CS].base ? cached : buildRegion(cpu, emitter);
	if ((entry.lengths.get(linear) ?? 0) > remaining) return stepRegion(cpu, key, emitter);
	if (previous !== undefined && !previous.dropped && previous.links.size < MAX_LINKS) link(previous, cpu.eip, entry);
	return entry;
}

export function runCpu(cpu: Cpu, maxInstructions: number, options?: RunOptions): CpuExit {
	let first = true;
	/** Exceptions absorbed so far: a handler that faults at once retires nothing, so these count against the budget too. */
	let absorbed = 0;
	/** The region run last: where the next one is first looked for. */
	let previous: CachedRegion | undefined;
	const end = cpu.instructionCount + maxInstructions;
	const absorb = options?.absorb;
	cpu.exitRequest = null;
	cpu.pendingExit = null;
	cpu.fault = null;
	cpu.deliverInRun = options?.deliver ?? null;
	cpu.regionDeliveries = 0;
	for (;;) {
		if (cpu.interruptReady()) {
			cpu.halted = false;
			return { kind: 'interrupt' };
		}
		if (cpu.halted) return { kind: 'halt' };
		// Deliveries count against the budget too (those absorbed here and those regions made): a handler
		// that faults at once retires nothing.
		const remaining = end - cpu.instructionCount - absorbed - cpu.regionDeliveries;
		if (remaining <= 0) return { kind: 'budget' };
		const linear = (cpu.seg[Seg.CS].base + cpu.eip) >>> 0;
		if (!first && cpu.stopAddresses.size !== 0 && cpu.stopAddresses.has(linear)) return { kind: 'stop-address', address: linear as LinearAddress };
		first = false;

		// EFLAGS.TF as the instruction starts: it runs alone, then traps with #DB (TF set by POPF or IRET traps
		// after the instruction that follows, as on the hardware: it was clear when they started).
		const singleStep = (cpu.flagsBits & Flag.TF) !== 0;
		const budget = singleStep ? 1 : remaining;
		// Blocks never hold more than MAX_BLOCK_INSTRUCTIONS: with that much budget left none is cut short.
		let entry = budget >= MAX_BLOCK_INSTRUCTIONS ? linked(cpu, previous, cpu.eip, options) : undefined;
		if (entry !== undefined && entry.page === previous!.page && ++previous!.joinableFollows === JOIN_AFTER) entry = joinRegions(cpu, previous!, entry);
		if (entry === undefined) {
			try {
				entry = lookUp(cpu, linear, budget, options, previous);
			} catch (e) {
				if (!(e instanceof CpuException)) throw e;
				previous = undefined;
				absorbed++;
				const exit = offer({ kind: 'exception', exception: e }, absorb);
				if (exit !== null) return exit;
				continue;
			}
		}
		previous = entry;

		cpu.codeModified = false;
		const before = cpu.instructionCount;
		entry.run(cpu, cpu.instructionCount + Math.min(budget, SLICE));
		// Set by generated code and callouts, which the type checker cannot see from here.
		const fault = cpu.fault as CpuException | null;
		if (fault !== null) {
			cpu.fault = null;
			absorbed++;
			const exit = offer({ kind: 'exception', exception: fault }, absorb);
			if (exit !== null) return exit;
			continue;
		}
		const request = cpu.exitRequest as ExitRequest | null;
		if (request !== null) {
			cpu.exitRequest = null;
			return { kind: 'callout-stop', reason: request.reason };
		}
		const pending = cpu.pendingExit as CpuExit | null;
		if (pending !== null) {
			cpu.pendingExit = null;
			const exit = pending.kind === 'software-interrupt' ? offer(pending, absorb) : pending;
			if (exit !== null) return exit;
		} else if (singleStep && cpu.instructionCount > before) {
			// The single-step trap: DR6.BS, and #DB with EIP at the next instruction.
			cpu.dr[6] |= Dr6.BS;
			absorbed++;
			const exit = offer({ kind: 'exception', exception: new CpuException(Vector.DB) }, absorb);
			if (exit !== null) return exit;
		}
	}
}


/** True when a maskable interrupt would be taken at this instruction boundary. */
export function interruptReady(cpu: Cpu): boolean {
	return (cpu.flagsBits & Flag.IF) !== 0 && cpu.instructionCount >= cpu.interruptsHeldUntil && cpu.interruptLine?.pending() === true;
}
