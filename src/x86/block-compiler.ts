// Turns a decoded block into ONE JavaScript function with `new Function`:
// straight-line code, each instruction's template inlined, no closure per
// instruction. A local `k` tracks the instruction being executed so a
// CpuException leaves precise state: EIP of the faulting instruction and an
// instruction count covering only the ones that retired.

import * as alu from './alu';
import { CpuException } from './exceptions';
import * as sys from './system';
import { nativeCode } from './semantics';
import type { DecodedBlock, DecodedInstruction } from './decoded-instruction';
import type { Cpu } from './cpu';

export type BlockFunction = (cpu: Cpu) => void;

export interface EmitContext {
	/** The native template's code for an instruction (to wrap it). */
	native(ins: DecodedInstruction): string;
	/** Registers a closure callable from the generated code; returns the expression naming it. */
	external(fn: (...args: never[]) => unknown): string;
}

/** Replaces an instruction's code; null keeps the native semantics. */
export type InstructionEmitter = (ins: DecodedInstruction, index: number, ctx: EmitContext) => string | null;

/** Instructions that may store to memory: after them a block checks whether it overwrote its own code. */
function mayStore(ins: DecodedInstruction): boolean {
	if (ins.operands.some((o) => o.kind === 'mem' || o.kind === 'string')) return true;
	return /^(push|call|enter)/.test(ins.mnemonic);
}

export function compileBlock(block: DecodedBlock, emitter?: InstructionEmitter): BlockFunction {
	const externals: unknown[] = [];
	const parts: string[] = ['const r = c.regs; const ic = c.instructionCount; let k = 0; try {'];
	const list = block.instructions;
	list.forEach((ins, i) => {
		const last = i === list.length - 1;
		const ctx: EmitContext = {
			native: (other) => nativeCode(other, i),
			external: (fn) => {
				externals.push(fn);
				return `ext[${externals.length - 1}]`;
			},
		};
		const emitted = emitter?.(ins, i, ctx) ?? null;
		parts.push(`k = ${i};`);
		if (emitted !== null) {
			// Emitted code sees EIP already past the instruction and may redirect it or ask to stop.
			parts.push(`c.eip = ${ins.nextEip}; c.instructionCount = ic + ${i}; { ${emitted} }`);
			parts.push(`if (c.exitRequest !== null) { if (c.exitRequest.beforeInstruction) { c.eip = ${ins.eip}; } else { c.instructionCount = ic + ${i + 1}; } return; }`);
			if (!last) parts.push(`if (c.eip !== ${ins.nextEip}) { c.instructionCount = ic + ${i + 1}; return; }`);
		} else {
			// Control transfers end blocks, so only the last instruction's template may overwrite EIP.
			if (last) parts.push(`c.eip = ${ins.nextEip};`);
			parts.push(`{ ${nativeCode(ins, i)} }`);
		}
		if (!last && mayStore(ins)) parts.push(`if (c.codeModified) { c.eip = ${ins.nextEip}; c.instructionCount = ic + ${i + 1}; return; }`);
	});
	parts.push(`c.instructionCount = ic + ${list.length};`);
	parts.push('} catch (e) { c.eip = EIPS[k]; c.instructionCount = ic + k; throw e; }');
	const eips = list.map((ins) => ins.eip);
	const name = `block_${(block.linear >>> 0).toString(16)}`;
	const factory = new Function('alu', 'sys', 'ext', 'CpuException', 'EIPS', `return function ${name}(c) { ${parts.join('\n')} };`);
	return factory(alu, sys, externals, CpuException, eips) as BlockFunction;
}
