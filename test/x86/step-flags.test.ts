// Conditions right after INC/DEC are read from the lazy result inside a block
// (the `dec ecx; jnz` of every counted loop); they must agree with the general
// evaluation a single step uses, at every operand size and across zero and sign.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { machine } from './helpers';
import { Reg } from '../../src/x86/registers';

const PROGRAM = `inc dl
setz al
sets ah
dec dx
setnz bl
setns bh
inc edx
setz cl
js neg
mov ch, 1
neg: dec dl
setz [0x3000]
sets [0x3001]
dec byte [0x3002]
setnz [0x3003]
hlt`;

const STARTS = [0, 1, -1, 0x7f, 0x80, 0xff, 0x100, 0x7fff, 0x8000, 0xffff, 0x10000, 0x7fffffff, -0x80000000, -2];

for (const start of STARTS) {
	test(`inc/dec then conditions from EDX = ${start.toString(16)}: compiled block equals single steps`, () => {
		const whole = machine(PROGRAM);
		const stepped = machine(PROGRAM);
		for (const m of [whole, stepped]) {
			m.cpu.regs[Reg.EDX] = start;
			m.memory.ram[0x3002] = start & 0xff;
		}
		assert.equal(whole.cpu.run(1000).kind, 'halt');
		for (let i = 0; i < 100 && !stepped.cpu.halted; i++) stepped.cpu.run(1);
		assert.ok(stepped.cpu.halted);
		assert.deepEqual([...whole.cpu.regs], [...stepped.cpu.regs]);
		assert.deepEqual([...whole.memory.ram.subarray(0x3000, 0x3004)], [...stepped.memory.ram.subarray(0x3000, 0x3004)]);
		assert.equal(whole.cpu.getEflags(), stepped.cpu.getEflags());
	});
}
