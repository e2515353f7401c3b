// A region keeps in locals only the registers its own code names; the others
// stay in the register file, where code that works on it (a callout, a
// template on the register file) changes them and the region must not write
// stale copies back on its way out.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { machine } from './helpers';
import { Reg } from '../../src/x86/registers';
import { Vector } from '../../src/x86/exceptions';
import type { InstructionEmitter } from '../../src/x86/block-compiler';
import type { Cpu } from '../../src/x86/cpu';

/** NOPs become callouts that add 1 to EBX and ESI through `cpu`'s register file, as the monitor's emulations change registers. */
function nopCallout(cpu: Cpu): InstructionEmitter {
	return (ins, _index, ctx) => {
		if (ins.mnemonic !== 'nop') return null;
		return `${ctx.external(() => {
			cpu.regs[Reg.EBX] += 1;
			cpu.regs[Reg.ESI] += 1;
		})}();`;
	};
}

test('registers only a callout changes keep its values when the region leaves, by halting or by a fault', () => {
	// The loop's own code names ECX alone; EBX and ESI change only in the callout.
	const m = machine(`mov ecx, 200
l: nop
dec ecx
jnz l
xor edx, edx
div edx`);
	m.cpu.cpl = 0;
	const emitter = nopCallout(m.cpu);
	m.cpu.regs[Reg.EBX] = 1000;
	m.cpu.regs[Reg.ESI] = 5;
	m.cpu.regs[Reg.EDI] = 0x1234;
	const exit = m.cpu.run(100_000, { emitterFor: () => emitter });
	assert.equal(exit.kind, 'exception');
	assert.equal(exit.kind === 'exception' && exit.exception.vector, Vector.DE);
	assert.equal(m.cpu.regs[Reg.ECX], 0);
	assert.equal(m.cpu.regs[Reg.EBX], 1200);
	assert.equal(m.cpu.regs[Reg.ESI], 205);
	assert.equal(m.cpu.regs[Reg.EDI], 0x1234, 'a register nobody names is left as it was');
});

test('a region that names a register the callout also changes sees the callout\'s value after it', () => {
	const m = machine(`mov ecx, 50
l: nop
add ebx, 2
dec ecx
jnz l
hlt`);
	m.cpu.cpl = 0;
	const emitter = nopCallout(m.cpu);
	m.cpu.regs[Reg.EBX] = 0;
	const exit = m.cpu.run(100_000, { emitterFor: () => emitter });
	assert.equal(exit.kind, 'halt');
	assert.equal(m.cpu.regs[Reg.EBX], 150);
});
