import { test } from 'node:test';
import assert from 'node:assert/strict';
import { enterMultibootState } from '../../src/machine/loaders/multiboot-state';
import { CpuState } from '../../src/x86/cpu-state';
import { linear, physical } from '../../src/x86/addresses';
import { Reg, Seg } from '../../src/x86/registers';

/** The architectural state alone, with EFLAGS held plainly. */
class PlainCpu extends CpuState {
	eflags = 0x246;
	getEflags(): number { return this.eflags; }
	setEflags(value: number): void { this.eflags = value; }
}

test('the multiboot entry state: flat protected mode, no GDT, interrupts off, magic in EAX, info in EBX', () => {
	const cpu = new PlainCpu();
	cpu.regs.fill(-1);
	cpu.cpl = 3;
	cpu.cr0 = 0x80000011;
	cpu.halted = true;
	enterMultibootState(cpu, linear(0x100010), physical(0x9000));
	assert.equal(cpu.eip, 0x100010);
	assert.equal(cpu.reg(Reg.EAX), 0x2badb002);
	assert.equal(cpu.reg(Reg.EBX), 0x9000);
	assert.equal(cpu.reg(Reg.ESP), 0x7c00);
	for (const r of [Reg.ECX, Reg.EDX, Reg.EBP, Reg.ESI, Reg.EDI]) assert.equal(cpu.reg(r), 0);
	assert.equal(cpu.getEflags(), 0x2);
	assert.equal(cpu.cr0, 0x11);
	assert.equal(cpu.cpl, 0);
	assert.equal(cpu.halted, false);
	assert.deepEqual(cpu.gdtr, { base: 0, limit: 0 });
	const cs = cpu.segment(Seg.CS);
	assert.deepEqual(cs, { selector: 0x08, base: 0, limit: 0xffffffff, type: 0xb, system: false, dpl: 0, present: true, big: true, usable: true });
	for (const s of [Seg.DS, Seg.ES, Seg.FS, Seg.GS, Seg.SS]) {
		assert.deepEqual(cpu.segment(s), { selector: 0x10, base: 0, limit: 0xffffffff, type: 0x3, system: false, dpl: 0, present: true, big: true, usable: true });
	}
});
