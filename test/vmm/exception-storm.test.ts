// A guest whose exception handler faults at its first instruction takes one
// delivery after another without retiring an instruction. The run budget
// counts instructions, so such a run must be bounded by its deliveries too:
// the debugger's slices and pauses depend on every run returning.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { EVERY_MODE, EXAMPLES_LIB, writeGuest } from './inline-guests';
import { bootGuest } from './run-guest';

const STORM = `
bits 32
org 0x100000
%include "${EXAMPLES_LIB}/multiboot.inc"
%include "${EXAMPLES_LIB}/start.inc"
main:
	call load_gdt
	call build_idt
	mov eax, invalid_opcode
	mov ecx, 6
	call set_gate
	lidt [idt_descriptor]
invalid_opcode:
	ud2				; the #UD handler is its own #UD
%include "${EXAMPLES_LIB}/kernel.inc"
%include "${EXAMPLES_LIB}/flat-gdt.inc"
image_end:
`;

for (const mode of EVERY_MODE) {
	test(`${mode}: a handler that faults at once still ends each run at its budget`, () => {
		const guest = bootGuest(writeGuest('exception-storm', 'storm.asm', STORM), mode);
		for (let i = 0; i < 3; i++) {
			const before = guest.pc.cpu.instructionCount;
			assert.equal(guest.monitor.run(5_000).reason, 'budget');
			assert.ok(guest.pc.cpu.instructionCount - before <= 5_000);
		}
		// Each delivery pushed a frame: the storm really ran (and each run stopped inside it).
		assert.ok(guest.pc.cpu.regs[4] >>> 0 < 0x90000 - 3 * 5_000 * 12 / 2);
		assert.equal(guest.monitor.step().reason, 'budget', 'a single step delivers once and returns');
	});
}
