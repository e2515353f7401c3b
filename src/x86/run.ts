// The run loop: finds or compiles the region holding the block at CS:EIP and
// runs it until the budget is used, a stop address is reached, an instruction
// faults (returned, not delivered), HLT, INT n, a pending interrupt, or a
// callout's request. Regions keep loops inside one function; the loop here
// runs between regions and at least every SLICE instructions, which is where
// interrupts are looked at.

import type { LinearAddress } from './addresses';
import { BlockCache, region, type CachedRegion } from './block-cache';
import { compileRegion, continuesRegion, type InstructionEmitter } from './block-compiler';
import type { Cpu, ExitRequest } from './cpu';
import { decodeBlock, MAX_BLOCK_INSTRUCTIONS, type CodePage } from './decoder';
import type { DecodedBlock } from './decoded-instruction';
import { CpuException } from './exceptions';
import { Flag, Seg } from './registers';

export type CpuExit =
	| { kind: 'budget' }
	| { kind: 'stop-address'; address: LinearAddress }
	| { kind: 'exception'; exception: CpuException }
	| { kind: 'halt' }
	| { kind: 'software-interrupt'; vector: number; returnEip: number }
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
}

/** Most instructions a region runs before the run loop looks at the interrupt line again. */
export const SLICE = 8192;
/** Most blocks compiled into one region. */
const MAX_REGION_BLOCKS = 32;

/** Code fetch for the decoder: through paging with the CPL's U/S rights, as instruction fetches are. */
function fetcher(cpu: Cpu): (linear: LinearAddress) => CodePage {
	return (linear) => {
		const user = cpu.cpl === 3;
		const p = cpu.translate(linear, false, user);
		const length = 4096 - (linear & 0xfff);
		const bytes = p + length <= cpu.memory.ramSize ? cpu.memory.ram.subarray(p, p + length) : cpu.memory.peek(p, length);
		return { bytes, physicalPage: p >>> 12 };
	};
}

function decodeAt(cpu: Cpu, eip: number, maxInstructions: number): DecodedBlock {
	const cs = cpu.seg[Seg.CS];
	const stops = cpu.stopAddresses;
	return decodeBlock(fetcher(cpu), cs.base, cs.limit, eip, {
		maxInstructions,
		stopBefore: stops.size > 0 ? (a) => stops.has(a >>> 0) : undefined,
	});
}

/** Where a block may go next without leaving CS: its fall-through and a direct near target. */
function successors(block: DecodedBlock): number[] {
	const last = block.instructions[block.instructions.length - 1];
	if (!continuesRegion(last)) return [];
	const mask = (v: number): number => (last.operandSize === 16 ? v & 0xffff : v >>> 0);
	const out: number[] = [];
	const target = last.operands[0];
	if (target?.kind === 'near' && last.flowControl !== 'Next') out.push(mask(target.target));
	if (last.flowControl === 'Next' || last.flowControl === 'ConditionalBranch' || last.flowControl === 'Call' || last.flowControl === 'IndirectCall') out.push(block.endEip);
	return out;
}

/**
 * Decodes the block at EIP and the blocks it reaches on the same linear page
 * (not already cached), compiles them into one region and caches it.
 */
function buildRegion(cpu: Cpu, emitter: InstructionEmitter | undefined): CachedRegion {
	const cs = cpu.seg[Seg.CS];
	const emitted = emitter !== undefined;
	const keyOf = (b: DecodedBlock): number => BlockCache.key(b.linear, cpu.cpl, emitted);
	const entry = decodeAt(cpu, cpu.eip, MAX_BLOCK_INSTRUCTIONS);
	const page = entry.linear >>> 12;
	const blocks = [entry];
	const seen = new Set([entry.eip]);
	// Code that rewrites its own page would recompile a whole region per store: it gets one block at a time.
	const queue = cpu.blocks.isRewritten(entry.physicalPages[0]) ? [] : successors(entry);
	while (queue.length > 0 && blocks.length < MAX_REGION_BLOCKS) {
		const eip = queue.shift()!;
		if (seen.has(eip)) continue;
		seen.add(eip);
		const linear = (cs.base + eip) >>> 0;
		if (linear >>> 12 !== page || cpu.blocks.get(BlockCache.key(linear, cpu.cpl, emitted))) continue;
		let block: DecodedBlock;
		try {
			block = decodeAt(cpu, eip, MAX_BLOCK_INSTRUCTIONS);
		} catch (e) {
			// Not reachable now (a fault on fetch): it is raised if execution gets there.
			if (e instanceof CpuException) continue;
			throw e;
		}
		blocks.push(block);
		queue.push(...successors(block));
	}
	const compiled = region(blocks, cs.base, compileRegion(blocks, { emitter, stops: cpu.stopAddresses }), blocks.map(keyOf), cpu.blocks.mappingEpoch);
	cpu.blocks.add(compiled);
	return compiled;
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
	if (entry.csBase === cpu.seg[Seg.CS].base && stillMapped(cpu, entry)) {
		entry.checkedEpoch = cpu.blocks.mappingEpoch;
		return entry;
	}
	cpu.blocks.discard(entry);
	return undefined;
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
	const compiled = region([block], cpu.seg[Seg.CS].base, compileRegion([block], { emitter, stops: cpu.stopAddresses }), [stepKey], cpu.blocks.mappingEpoch);
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

export function runCpu(cpu: Cpu, maxInstructions: number, options?: RunOptions): CpuExit {
	let first = true;
	const end = cpu.instructionCount + maxInstructions;
	const absorb = options?.absorb;
	cpu.exitRequest = null;
	cpu.pendingExit = null;
	cpu.fault = null;
	for (;;) {
		if (cpu.interruptReady()) {
			cpu.halted = false;
			return { kind: 'interrupt' };
		}
		if (cpu.halted) return { kind: 'halt' };
		const remaining = end - cpu.instructionCount;
		if (remaining <= 0) return { kind: 'budget' };
		const linear = (cpu.seg[Seg.CS].base + cpu.eip) >>> 0;
		if (!first && cpu.stopAddresses.has(linear)) return { kind: 'stop-address', address: linear as LinearAddress };
		first = false;

		const emitter = options?.emitterFor?.(cpu.cpl);
		let entry: CachedRegion;
		try {
			const key = BlockCache.key(linear, cpu.cpl, emitter !== undefined);
			const cached = current(cpu, cpu.blocks.get(key));
			// Regions dispatch on EIP: one compiled under another CS base is not this code.
			entry = cached !== undefined && cached.csBase === cpu.seg[Seg.CS].base ? cached : buildRegion(cpu, emitter);
			// A short budget may end inside the block.
			if ((entry.lengths.get(linear) ?? 0) > remaining) entry = stepRegion(cpu, key, emitter);
		} catch (e) {
			if (!(e instanceof CpuException)) throw e;
			const exit = offer({ kind: 'exception', exception: e }, absorb);
			if (exit !== null) return exit;
			continue;
		}

		cpu.codeModified = false;
		entry.run(cpu, Math.min(end, cpu.instructionCount + SLICE));
		// Set by generated code and callouts, which the type checker cannot see from here.
		const fault = cpu.fault as CpuException | null;
		if (fault !== null) {
			cpu.fault = null;
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
		}
	}
}

/** True when a maskable interrupt would be taken at this instruction boundary. */
export function interruptReady(cpu: Cpu): boolean {
	return (cpu.flagsBits & Flag.IF) !== 0 && cpu.instructionCount >= cpu.interruptsHeldUntil && cpu.interruptLine?.pending() === true;
}
