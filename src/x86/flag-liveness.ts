// Which flag results in a block nobody can observe. Lazy flags already make a
// dead result cheap (four field stores); this removes even those when the next
// instruction that touches flags overwrites all six arithmetic flags. Only
// instructions that cannot fault or leave the block may stand between the two,
// since an exception or an exit must see the flags of the instruction before it.

import type { DecodedInstruction } from './decoded-instruction';
import { FlagOp } from './lazy-flags';
import type { KnownFlags } from './semantics/codegen';

/** Touch no flag, and with register/immediate operands cannot fault. */
const FLAG_NEUTRAL = new Set(['mov', 'movzx', 'movsx', 'lea', 'xchg', 'bswap', 'nop', 'not', 'cbw', 'cwde', 'cwd', 'cdq']);

/** Templates that set CF PF AF ZF SF OF from their result alone (no flag read, no condition). */
const OVERWRITERS: Record<string, FlagOp | undefined> = {
	add: FlagOp.Add, sub: FlagOp.Sub, cmp: FlagOp.Sub, neg: FlagOp.Sub,
	and: FlagOp.Logic, or: FlagOp.Logic, xor: FlagOp.Logic, test: FlagOp.Logic,
	imul: FlagOp.None, shl: FlagOp.None, sal: FlagOp.None, shr: FlagOp.None, sar: FlagOp.None,
};

/** Templates that leave a fixed lazy kind but keep CF: known to a condition, never overwriting all flags. */
const STEPS: Record<string, FlagOp | undefined> = { inc: FlagOp.Inc, dec: FlagOp.Dec };

function registerOnly(ins: DecodedInstruction): boolean {
	return !ins.invalid && ins.operands.every((o) => o.kind === 'reg' || o.kind === 'imm');
}

function transparent(ins: DecodedInstruction): boolean {
	if (!FLAG_NEUTRAL.has(ins.mnemonic) || ins.flowControl !== 'Next') return false;
	return ins.mnemonic === 'lea' ? !ins.invalid : registerOnly(ins);
}

function overwritesAll(ins: DecodedInstruction): boolean {
	if (OVERWRITERS[ins.mnemonic] === undefined || !registerOnly(ins)) return false;
	if (ins.mnemonic === 'imul') return ins.operands.length >= 2;
	if (OVERWRITERS[ins.mnemonic] !== FlagOp.None) return true;
	// A shift by a masked count of 0 keeps the old flags: only a constant nonzero count overwrites them.
	const count = ins.operands[1];
	return count?.kind === 'imm' && (count.value & 31) !== 0;
}

/** Per instruction: its flag bookkeeping can be skipped. `opaque[i]` marks code the compiler cannot see into. */
export function deadFlagWork(list: readonly DecodedInstruction[], opaque: readonly boolean[]): boolean[] {
	const dead = new Array<boolean>(list.length).fill(false);
	let overwritten = false;
	for (let i = list.length - 1; i >= 0; i--) {
		const ins = list[i];
		if (opaque[i]) {
			overwritten = false;
			continue;
		}
		if (transparent(ins)) continue;
		dead[i] = overwritten;
		overwritten = overwritesAll(ins);
	}
	return dead;
}

/** The lazy kind left by the nearest flag producer before `i`, when it is one with a fixed kind. */
export function knownFlagsBefore(list: readonly DecodedInstruction[], opaque: readonly boolean[], i: number): KnownFlags | undefined {
	for (let j = i - 1; j >= 0; j--) {
		const ins = list[j];
		if (opaque[j]) return undefined;
		if (transparent(ins)) continue;
		const op = OVERWRITERS[ins.mnemonic] ?? STEPS[ins.mnemonic];
		const dst = ins.operands[0];
		if (op === undefined || op === FlagOp.None || ins.invalid || !dst) return undefined;
		if (dst.kind === 'reg') return { op, size: dst.size };
		if (dst.kind === 'mem') return { op, size: (dst.mem.size * 8) as 8 | 16 | 32 };
		return undefined;
	}
	return undefined;
}
