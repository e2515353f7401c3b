import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeGuestInstruction } from '../../src/vmm/guest-instruction';
import { emulateSensitive } from '../../src/vmm/sensitive-emulation';
import { flatSegment } from '../../src/x86/registers';
import { guestAtRing3, KERNEL_CS, KERNEL_DS } from './guest-setup';

function kernel() {
	const { cpu, vcpu } = guestAtRing3();
	cpu.seg[1] = { ...flatSegment(KERNEL_CS | 1, true, 1), limit: 0xffbfffff };
	cpu.seg[2] = { ...flatSegment(KERNEL_DS | 1, false, 1), limit: 0xffbfffff };
	cpu.cpl = 1;
	vcpu.cpl = 0;
	cpu.regs[4] = 0x9000;
	return { cpu, vcpu };
}
const decode = (bytes: number[]) => decodeGuestInstruction(Uint8Array.from(bytes), 0x5000);

test('pushf pushes the virtual IF, not the real one', () => {
	const { cpu, vcpu } = kernel();
	vcpu.interruptFlag = false;
	emulateSensitive(cpu, vcpu, decode([0x9c]));
	assert.equal(cpu.u32(0x9000 - 4) & 0x200, 0);
	assert.equal(cpu.getEflags() & 0x200, 0x200);
});

test('popf at vCPL 0 sets the virtual IF and IOPL', () => {
	const { cpu, vcpu } = kernel();
	cpu.writeLinear32((0x9000 - 4) as never, 0x3202);
	cpu.regs[4] = 0x9000 - 4;
	emulateSensitive(cpu, vcpu, decode([0x9d]));
	assert.equal(vcpu.interruptFlag, true);
	assert.equal(vcpu.iopl, 3);
	assert.equal(cpu.getEflags() & 0x3000, 0, 'the real IOPL stays 0');
	assert.equal(cpu.regs[4], 0x9000);
});

test('sgdt stores the guest GDTR, push cs and mov from ss show RPL 0', () => {
	const { cpu, vcpu } = kernel();
	emulateSensitive(cpu, vcpu, decode([0x0f, 0x01, 0x05, 0x00, 0x70, 0x00, 0x00]));
	assert.equal(cpu.readLinear16(0x7000 as never), vcpu.gdtr.limit);
	assert.equal(cpu.u32(0x7002), vcpu.gdtr.base);
	emulateSensitive(cpu, vcpu, decode([0x0e]));
	assert.equal(cpu.u32(0x9000 - 4), KERNEL_CS);
	emulateSensitive(cpu, vcpu, decode([0x8c, 0xd0]));
	assert.equal(cpu.regs[0] & 0xffff, KERNEL_DS);
});
