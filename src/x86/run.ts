// The run loop: finds or compiles the block at CS:EIP and runs it until the
// budget is used, a stop address is reached, an instruction faults (returned,
// not delivered), HLT, INT n, a pending interrupt, or a callout's request.

import type { LinearAddress } from './addresses';
import { BlockCache, type CachedBlock } from './block-cache';
import { compileBlock, type InstructionEmitter } from './block-compiler';
import type { Cpu, ExitRequest } from './cpu';
import { decodeBlock, MAX_BLOCK_INSTRUCTIONS, type CodePage } from './decoder';
import { CpuException } from './exceptions';
import { Flag, Seg } from './registers';

export type CpuExit =
	| { kind: 'budget' }
	| { kind: 'stop-address'; address: LinearAddress }
	| { kind: 'exception'; exception: CpuException }
	| { kind: 'halt' }
	| { kind: 'software-interrupt'; vector: number; returnEip: number }
	| { kind: 'interrupt' }
	| { kind: 'callout-stop'; reason: string };

export interface RunOptions {
	/**
	 * The emitter for code running at a CPL, if any. It must give the same
	 * emitter for a CPL for as long as blocks stay cached (call
	 * cpu.invalidateAllBlocks() when that changes).
	 */
	emitterFor?: (cpl: number) => InstructionEmitter | undefined;
}

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

function compile(cpu: Cpu, maxInstructions: number, emitter: InstructionEmitter | undefined): CachedBlock {
	const cs = cpu.seg[Seg.CS];
	const stops = cpu.stopAddresses;
	const block = decodeBlock(fetcher(cpu), cs.base, cs.limit, cpu.eip, {
		maxInstructions,
		stopBefore: stops.size > 0 ? (a) => stops.has(a >>> 0) : undefined,
	});
	return { block, run: compileBlock(block, emitter) };
}

export function runCpu(cpu: Cpu, maxInstructions: number, options?: RunOptions): CpuExit {
	const line = cpu.interruptLine;
	let first = true;
	const end = cpu.instructionCount + maxInstructions;
	cpu.exitRequest = null;
	cpu.pendingExit = null;
	for (;;) {
		const interruptible = (cpu.flagsBits & Flag.IF) !== 0 && cpu.instructionCount >= cpu.interruptsHeldUntil;
		if (interruptible && line?.pending()) {
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
		let entry: CachedBlock;
		try {
			if (remaining < MAX_BLOCK_INSTRUCTIONS) {
				// A short budget may end inside a cached block: run a block cut to the budget, not cached.
				const key = BlockCache.key(linear, cpu.cpl, emitter !== undefined);
				const cached = cpu.blocks.get(key);
				entry = cached && cached.block.instructions.length <= remaining ? cached : compile(cpu, remaining, emitter);
			} else {
				const key = BlockCache.key(linear, cpu.cpl, emitter !== undefined);
				const cached = cpu.blocks.get(key);
				if (cached) entry = cached;
				else {
					entry = compile(cpu, MAX_BLOCK_INSTRUCTIONS, emitter);
					cpu.blocks.add(key, entry);
				}
			}
		} catch (e) {
			if (e instanceof CpuException) return { kind: 'exception', exception: e };
			throw e;
		}

		cpu.codeModified = false;
		try {
			entry.run(cpu);
		} catch (e) {
			if (e instanceof CpuException) return { kind: 'exception', exception: e };
			throw e;
		}
		// Set by generated code and callouts, which the type checker cannot see from here.
		const request = cpu.exitRequest as ExitRequest | null;
		if (request !== null) {
			cpu.exitRequest = null;
			return { kind: 'callout-stop', reason: request.reason };
		}
		const exit = cpu.pendingExit as CpuExit | null;
		if (exit !== null) {
			cpu.pendingExit = null;
			return exit;
		}
	}
}
