// Block execution counters (EmitContext.countBlock, the binary translator's
// per-block counts) live in locals of the compiled region: exact, handed over
// whenever the region returns (a fault included) and before emitted code that
// may look at the machine, so what that code reports comes after the count.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { machine } from './helpers';
import { Reg } from '../../src/x86/registers';
import { Vector } from '../../src/x86/exceptions';
import type { InstructionEmitter } from '../../src/x86/block-compiler';

/** Counts per block start address, through countBlock at each block's first instruction. */
function counting(extra?: InstructionEmitter): { emitter: InstructionEmitter; counts: Map<number, number> } {
	const counts = new Map<number, number>();
	const emitter: InstructionEmitter = (ins, index, ctx) => {
		if (index === 0) {
			const at = ins.linear;
			ctx.countBlock((executions) => counts.set(at, (counts.get(at) ?? 0) + executions));
		}
		return extra?.(ins, index, ctx) ?? null;
	};
	return { emitter, counts };
}

const LOOP = `mov ecx, 1000
l: add eax, ecx
dec ecx
jnz l
hlt`;

test('block executions are counted exactly', () => {
	const m = machine(LOOP);
	const { emitter, counts } = counting();
	assert.equal(m.cpu.run(100_000, { emitterFor: () => emitter }).kind, 'halt');
	assert.equal(m.cpu.regs[Reg.EAX], (1000 * 1001) / 2);
	// The first pass through the loop body is part of the first block.
	assert.deepEqual([...counts].sort((a, b) => a[0] - b[0]), [[0x1000, 1], [0x1005, 999], [0x100a, 1]]);
});

test('counts are handed over before emitted code that looks at the machine runs', () => {
	const m = machine(`mov ecx, 50
l: cpuid
dec ecx
jnz l
hlt`);
	const seen: number[] = [];
	const { emitter, counts } = counting((ins, _index, ctx) =>
		ins.mnemonic === 'cpuid' ? `${ctx.external(() => { seen.push([...counts.values()].reduce((a, b) => a + b, 0)); })}();` : null);
	assert.equal(m.cpu.run(100_000, { emitterFor: () => emitter }).kind, 'halt');
	// Each cpuid sees the count of the block it is in already including the execution under way.
	assert.deepEqual(seen, Array.from({ length: 50 }, (_, i) => i + 1));
});

test('a fault inside a region still hands its counts over, and state stays precise', () => {
	const m = machine(`mov ecx, 10
xor ebx, ebx
l: mov eax, 100
xor edx, edx
div ecx
add ebx, eax
dec ecx
jmp l`);
	const { emitter, counts } = counting();
	const exit = m.cpu.run(100_000, { emitterFor: () => emitter });
	assert.equal(exit.kind, 'exception');
	assert.equal(exit.kind === 'exception' && exit.exception.vector, Vector.DE);
	assert.equal(m.cpu.eip, 0x100e);
	// ECX 10 went through the first block, 9..1 through the loop block; its 10th entry faulted.
	assert.equal(counts.get(0x1007), 10);
});
