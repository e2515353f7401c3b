import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeGuestInstruction } from '../../src/vmm/guest-instruction';
import { emulatePrivileged, emulateSegmentLoad, type EmulationContext } from '../../src/vmm/privileged-emulation';
import { CpuException, Vector } from '../../src/x86/exceptions';
import type { IoSize } from '../../src/x86/bus';
import { guestAtRing3, KERNEL_CS, KERNEL_DS } from './guest-setup';
import { flatSegment } from '../../src/x86/registers';

function kernelContext() {
	const { cpu, vcpu } = guestAtRing3();
	cpu.seg[1] = { ...flatSegment(KERNEL_CS | 1, true, 1), limit: 0xffbfffff };
	cpu.seg[2] = { ...flatSegment(KERNEL_DS | 1, false, 1), limit: 0xffbfffff };
	cpu.seg[3] = { ...flatSegment(KERNEL_DS, false, 1), limit: 0xffbfffff };
	cpu.cpl = 1;
	vcpu.cpl = 0;
	const io: { port: number; size: IoSize; value: number; dir: string }[] = [];
	let resyncs = 0, controlSyncs = 0;
	const ctx: EmulationContext = {
		cpu, vcpu,
		io: {
			read: (port, size) => { io.push({ port, size, value: 0x5a, dir: 'in' }); return 0x5a; },
			write: (port, size, value) => { io.push({ port, size, value, dir: 'out' }); },
		},
		resyncTables: () => { resyncs++; },
		syncHardwareControl: () => { controlSyncs++; },
	};
	return { cpu, vcpu, ctx, io, counts: () => ({ resyncs, controlSyncs }) };
}

const decode = (bytes: number[]) => decodeGuestInstruction(Uint8Array.from(bytes), 0x5000);

test('lgdt at vCPL 0 loads the virtual GDTR and resyncs the shadow', () => {
	const { cpu, vcpu, ctx, counts } = kernelContext();
	cpu.writeLinear16(0x7000 as never, 0x17);
	cpu.writeLinear32(0x7002 as never, 0x101000);
	const done = emulatePrivileged(ctx, decode([0x0f, 0x01, 0x15, 0x00, 0x70, 0x00, 0x00]));
	assert.deepEqual(vcpu.gdtr, { base: 0x101000, limit: 0x17 });
	assert.equal(counts().resyncs, 1);
	assert.match(done.action, /LGDT: GDTR := 0x00101000\/0x0017/);
});

test('mov cr3 / mov from cr0 act on the virtual control registers', () => {
	const { cpu, vcpu, ctx, counts } = kernelContext();
	cpu.regs[0] = 0x200000;
	emulatePrivileged(ctx, decode([0x0f, 0x22, 0xd8]));
	assert.equal(vcpu.cr3, 0x200000);
	assert.equal(counts().controlSyncs, 1);
	vcpu.cr0 = 0x80000011;
	emulatePrivileged(ctx, decode([0x0f, 0x20, 0xc0]));
	assert.equal(cpu.regs[0] >>> 0, 0x80000011);
});

test('cli and sti change the virtual IF only; at vCPL 3 with IOPL 0 they are the guest #GP', () => {
	const { cpu, vcpu, ctx } = kernelContext();
	vcpu.interruptFlag = true;
	emulatePrivileged(ctx, decode([0xfa]));
	assert.equal(vcpu.interruptFlag, false);
	assert.equal(cpu.getEflags() & 0x200, 0x200, 'the real IF is untouched');
	emulatePrivileged(ctx, decode([0xfb]));
	assert.equal(vcpu.interruptFlag, true);
	vcpu.cpl = 3;
	assert.throws(() => emulatePrivileged(ctx, decode([0xfa])), (e: unknown) => e instanceof CpuException && e.vector === Vector.GP);
});

test('privileged instructions at vCPL 3 raise the guest #GP(0)', () => {
	const { vcpu, ctx } = kernelContext();
	vcpu.cpl = 3;
	assert.throws(() => emulatePrivileged(ctx, decode([0xf4])), (e: unknown) => e instanceof CpuException && e.vector === Vector.GP && e.errorCode === 0);
});

test('out and in reach the I/O bus with the port and value', () => {
	const { cpu, ctx, io } = kernelContext();
	cpu.regs[0] = 0x41;
	const out = emulatePrivileged(ctx, decode([0xe6, 0xf4]));
	assert.deepEqual(io[0], { port: 0xf4, size: 1, value: 0x41, dir: 'out' });
	assert.equal(out.io?.direction, 'out');
	cpu.regs[2] = 0x3fd;
	emulatePrivileged(ctx, decode([0xec]));
	assert.equal(io[1].port, 0x3fd);
	assert.equal(cpu.regs[0] & 0xff, 0x5a);
});

test('hlt asks the monitor to idle', () => {
	const { ctx } = kernelContext();
	assert.equal(emulatePrivileged(ctx, decode([0xf4])).halt, true);
});

test('mov ss with an RPL-0 selector is loaded by the guest rules, compressed to ring 1', () => {
	const { cpu, ctx } = kernelContext();
	cpu.regs[0] = KERNEL_DS;
	emulateSegmentLoad(ctx, decode([0x8e, 0xd0]));
	assert.equal(cpu.seg[2].selector, KERNEL_DS | 1);
	assert.equal(cpu.seg[2].dpl, 1);
	cpu.regs[0] = 0x23;
	assert.throws(() => emulateSegmentLoad(ctx, decode([0x8e, 0xd0])), (e: unknown) => e instanceof CpuException && e.vector === Vector.GP && e.errorCode === 0x20);
});
