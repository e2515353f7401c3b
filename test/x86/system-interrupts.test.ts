import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CpuException, Vector } from '../../src/x86/exceptions';
import { Flag, Reg, Seg } from '../../src/x86/registers';
import { deliverException, deliverInterrupt, SystemType, TripleFault } from '../../src/x86/system';
import {
	enterRing, handlerOffset, protectedModeCpu, RING0_STACK_TOP, RING3_STACK_TOP, Sel, setIdtGate, TSS_BASE,
} from './system-fixture';

const USER_FLAGS = Flag.IF | Flag.CF | Flag.TF | 2;

test('an external interrupt at ring 3 switches to the TSS ring-0 stack and pushes SS, ESP, EFLAGS, CS, EIP', () => {
	const cpu = protectedModeCpu();
	enterRing(cpu, 3);
	cpu.eip = 0x4444;
	cpu.setEflags(USER_FLAGS);
	deliverInterrupt(cpu, 0x20, 'external');
	assert.equal(cpu.cpl, 0);
	assert.equal(cpu.eip, handlerOffset(0x20));
	assert.equal(cpu.seg[Seg.CS].selector, Sel.Code0);
	assert.equal(cpu.seg[Seg.SS].selector, Sel.Data0);
	assert.equal(cpu.reg(Reg.ESP), RING0_STACK_TOP - 20);
	assert.deepEqual(cpu.stackTop(5), [0x4444, Sel.Code3, USER_FLAGS, RING3_STACK_TOP, Sel.Data3]);
	// An interrupt gate clears IF and TF; other flags stay.
	assert.equal(cpu.getEflags(), Flag.CF | 2);
	// Data segments are left as they were: the handler reloads them.
	assert.equal(cpu.seg[Seg.DS].selector, Sel.Data3);
});

test('a fault with an error code pushes it below EIP', () => {
	const cpu = protectedModeCpu();
	enterRing(cpu, 3);
	cpu.eip = 0x4000;
	deliverInterrupt(cpu, Vector.GP, 'fault', 0x1234);
	assert.equal(cpu.reg(Reg.ESP), RING0_STACK_TOP - 24);
	assert.deepEqual(cpu.stackTop(6), [0x1234, 0x4000, Sel.Code3, 2, RING3_STACK_TOP, Sel.Data3]);
});

test('same-ring delivery uses the current stack and pushes no SS:ESP', () => {
	const cpu = protectedModeCpu();
	cpu.eip = 0x500;
	cpu.setEflags(Flag.IF | 2);
	deliverInterrupt(cpu, 0x80, 'software', undefined, 0x502);
	assert.equal(cpu.reg(Reg.ESP), RING0_STACK_TOP - 12);
	assert.deepEqual(cpu.stackTop(3), [0x502, Sel.Code0, Flag.IF | 2]);
	assert.equal(cpu.eip, handlerOffset(0x80));
});

test('a trap gate leaves IF set, an interrupt gate clears it', () => {
	const cpu = protectedModeCpu();
	setIdtGate(cpu, 0x30, { type: SystemType.TrapGate32 });
	cpu.setEflags(Flag.IF | 2);
	deliverInterrupt(cpu, 0x30, 'external');
	assert.equal(cpu.getEflags() & Flag.IF, Flag.IF);
	deliverInterrupt(cpu, 0x31, 'external');
	assert.equal(cpu.getEflags() & Flag.IF, 0);
});

test('INT n through a gate of too low a DPL delivers #GP((vector << 3) | 2) to the faulting INT', () => {
	const cpu = protectedModeCpu();
	enterRing(cpu, 3);
	cpu.eip = 0x4000;
	deliverInterrupt(cpu, 0x80, 'software', undefined, 0x4002);
	assert.equal(cpu.eip, handlerOffset(Vector.GP));
	assert.deepEqual(cpu.stackTop(3), [(0x80 << 3) | 2, 0x4000, Sel.Code3]);

	const allowed = protectedModeCpu();
	setIdtGate(allowed, 0x80, { dpl: 3 });
	enterRing(allowed, 3);
	deliverInterrupt(allowed, 0x80, 'software', undefined, 0x4002);
	assert.equal(allowed.eip, handlerOffset(0x80));
	assert.equal(allowed.stackTop(1)[0], 0x4002);
});

test('a not-present gate delivers #NP with the IDT error code and EXT for external events', () => {
	const cpu = protectedModeCpu();
	setIdtGate(cpu, 0x21, { present: false });
	cpu.eip = 0x600;
	deliverInterrupt(cpu, 0x21, 'external');
	assert.equal(cpu.eip, handlerOffset(Vector.NP));
	assert.deepEqual(cpu.stackTop(2), [(0x21 << 3) | 2 | 1, 0x600]);
});

test('a task gate or a vector past the IDT limit delivers #GP with the IDT error code', () => {
	const cpu = protectedModeCpu();
	setIdtGate(cpu, 0x22, { type: SystemType.TaskGate });
	deliverInterrupt(cpu, 0x22, 'external');
	assert.equal(cpu.stackTop(1)[0], (0x22 << 3) | 3);
	const short = protectedModeCpu();
	short.idtr = { base: short.idtr.base, limit: 0x40 * 8 - 1 };
	deliverInterrupt(short, 0x40, 'software', undefined, 0);
	assert.equal(short.stackTop(1)[0], (0x40 << 3) | 2);
});

test('a gate to a data segment delivers #GP(selector | EXT)', () => {
	const cpu = protectedModeCpu();
	setIdtGate(cpu, 0x23, { selector: Sel.Data0 });
	deliverInterrupt(cpu, 0x23, 'external');
	assert.equal(cpu.eip, handlerOffset(Vector.GP));
	assert.equal(cpu.stackTop(1)[0], Sel.Data0 | 1);
});

test('a bad ring-0 stack in the TSS delivers #TS(ss selector | EXT)', () => {
	const cpu = protectedModeCpu();
	enterRing(cpu, 3);
	cpu.poke32(TSS_BASE + 8, Sel.Data3);
	// #TS is itself delivered through the same inward transfer, fails the same way: #DF, then triple fault.
	assert.throws(() => deliverInterrupt(cpu, 0x20, 'external'), (e: unknown) => e instanceof TripleFault && e.exception.vector === Vector.TS && e.exception.errorCode === (Sel.Data3 & ~3 | 1));
	assert.equal(cpu.cpl, 3);
	assert.equal(cpu.reg(Reg.ESP), RING3_STACK_TOP);
});

test('#GP raised while delivering #NP escalates to #DF with error code 0', () => {
	const cpu = protectedModeCpu();
	setIdtGate(cpu, Vector.NP, { selector: Sel.Data0 });
	cpu.eip = 0x700;
	deliverInterrupt(cpu, Vector.NP, 'fault', 0x48);
	assert.equal(cpu.eip, handlerOffset(Vector.DF));
	assert.deepEqual(cpu.stackTop(2), [0, 0x700]);
});

test('a benign vector failing delivers the second exception serially, not #DF', () => {
	const cpu = protectedModeCpu();
	setIdtGate(cpu, Vector.BP, { selector: Sel.Data0 });
	deliverInterrupt(cpu, Vector.BP, 'trap', undefined, 0x801);
	assert.equal(cpu.eip, handlerOffset(Vector.GP));
});

test('#PF during #PF delivery escalates to #DF; CR2 holds the second fault address', () => {
	const cpu = protectedModeCpu();
	enterRing(cpu, 3);
	cpu.absentPages.add((RING0_STACK_TOP - 4) >>> 12);
	// #DF is delivered through a trap gate onto ring 1's stack, which is present.
	setIdtGate(cpu, Vector.DF, { selector: Sel.Code1, type: SystemType.TrapGate32 });
	cpu.eip = 0x4000;
	deliverException(cpu, new CpuException(Vector.PF, 4, 0x1234));
	assert.equal(cpu.cpl, 1);
	assert.equal(cpu.eip, handlerOffset(Vector.DF));
	assert.equal(cpu.cr2, RING0_STACK_TOP - 4);
	assert.deepEqual(cpu.stackTop(6), [0, 0x4000, Sel.Code3, 2, RING3_STACK_TOP, Sel.Data3]);
});

test('#DF that cannot be delivered is a triple fault and leaves the state unchanged', () => {
	const cpu = protectedModeCpu();
	setIdtGate(cpu, Vector.GP, { present: false });
	setIdtGate(cpu, Vector.NP, { present: false });
	setIdtGate(cpu, Vector.DF, { present: false });
	cpu.eip = 0x900;
	assert.throws(() => deliverInterrupt(cpu, Vector.GP, 'fault', 0), TripleFault);
	assert.equal(cpu.eip, 0x900);
	assert.equal(cpu.reg(Reg.ESP), RING0_STACK_TOP);
});

test('a stack overflow during same-ring delivery raises #SS(EXT), delivered on its own after a benign event', () => {
	const cpu = protectedModeCpu();
	enterRing(cpu, 3);
	cpu.seg[Seg.SS] = { ...cpu.seg[Seg.SS], limit: 0xfff };
	cpu.regs[Reg.ESP] = 0x1008;
	setIdtGate(cpu, 0x24, { selector: Sel.Code3, dpl: 3 });
	setIdtGate(cpu, Vector.SS, { type: SystemType.TrapGate32, selector: Sel.Code1 });
	deliverInterrupt(cpu, 0x24, 'external');
	assert.equal(cpu.eip, handlerOffset(Vector.SS));
	assert.equal(cpu.cpl, 1);
	assert.equal(cpu.stackTop(1)[0], 1);
});

test('deliverInterrupt says whether the event itself was delivered or a fault of its delivery was, instead', () => {
	const cpu = protectedModeCpu();
	cpu.eip = 0x500;
	assert.equal(deliverInterrupt(cpu, 0x80, 'software', undefined, 0x502), true);
	const faulting = protectedModeCpu();
	faulting.eip = 0x500;
	setIdtGate(faulting, 0x81, { present: false });
	// INT 0x81 through a not-present gate: #NP(IDT entry) is delivered, returning to the INT (it did not complete).
	assert.equal(deliverInterrupt(faulting, 0x81, 'software', undefined, 0x502), false);
	assert.equal(faulting.eip, handlerOffset(Vector.NP));
	assert.deepEqual(faulting.stackTop(2), [(0x81 << 3) | 2, 0x500]);
});
