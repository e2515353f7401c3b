import { test } from 'node:test';
import assert from 'node:assert/strict';
import { machine } from './helpers';
import { CpuException, Vector } from '../../src/x86/exceptions';
import { Cr0, Cr4, Reg } from '../../src/x86/registers';

const P = 1, RW = 2, US = 4, A = 0x20, D = 0x40, PS = 0x80;
const PD = 0x10000, PT = 0x11000;

/** Identity-maps the first 4 MiB (supervisor), maps linear 4 MiB -> 0x200000 through PT with `pteFlags`. */
function paged(pteFlags: number, wp = false) {
	const m = machine('hlt', 0x1000, 0x1000000);
	const { memory, cpu } = m;
	const pt0 = 0x12000;
	memory.setU32(PD, pt0 | P | RW);
	for (let i = 0; i < 1024; i++) memory.setU32(pt0 + 4 * i, (i << 12) | P | RW);
	memory.setU32(PD + 4, PT | P | RW | US);
	memory.setU32(PT, 0x200000 | pteFlags);
	cpu.cr3 = PD;
	cpu.cr0 |= Cr0.PG | (wp ? Cr0.WP : 0);
	cpu.flushTlb();
	return m;
}

function pageFault(fn: () => unknown): CpuException {
	try {
		fn();
	} catch (e) {
		if (e instanceof CpuException && e.vector === Vector.PF) return e;
		throw e;
	}
	assert.fail('expected #PF');
}

test('a 4 KiB page translates, and a read sets A while a write sets D', () => {
	const { cpu, memory } = paged(P | RW | US);
	memory.setU32(0x200010, 0xcafe);
	assert.equal(cpu.readLinear32(0x400010), 0xcafe);
	assert.equal(memory.u32(PT) & (A | D), A);
	assert.equal(memory.u32(PD + 4) & A, A);
	cpu.writeLinear32(0x400020, 0x1234);
	assert.equal(memory.u32(0x200020), 0x1234);
	assert.equal(memory.u32(PT) & (A | D), A | D);
	assert.equal(cpu.translate(0x400abc, false, false), 0x200abc);
});

test('not-present pages fault with the exact error code and address', () => {
	const { cpu } = paged(0);
	assert.equal(pageFault(() => cpu.readLinear32(0x400004, false)).errorCode, 0);
	const w = pageFault(() => cpu.writeLinear8(0x400005, 1, false));
	assert.equal(w.errorCode, 2);
	assert.equal(w.faultAddress, 0x400005);
	assert.equal(pageFault(() => cpu.readLinear8(0x400000, true)).errorCode, 4);
	assert.equal(pageFault(() => cpu.readLinear8(0x800000, false)).errorCode, 0, 'no page table for the third 4 MiB');
});

test('U/S: user access to a supervisor page is a protection fault', () => {
	const { cpu } = paged(P | RW);
	assert.equal(pageFault(() => cpu.readLinear32(0x400000, true)).errorCode, P | 4);
	assert.equal(pageFault(() => cpu.writeLinear32(0x400000, 1, true)).errorCode, P | 2 | 4);
	assert.equal(cpu.readLinear32(0x400000, false), 0);
});

test('R/W: user writes to read-only pages fault; supervisor writes only when CR0.WP', () => {
	let { cpu, memory } = paged(P | US);
	assert.equal(pageFault(() => cpu.writeLinear32(0x400000, 1, true)).errorCode, P | 2 | 4);
	cpu.writeLinear32(0x400000, 7, false);
	assert.equal(memory.u32(0x200000), 7);
	({ cpu } = paged(P | US, true));
	assert.equal(pageFault(() => cpu.writeLinear32(0x400000, 1, false)).errorCode, P | 2);
});

test('a write after a read walks again to set D (the TLB caches no write right before that)', () => {
	const { cpu, memory } = paged(P | RW);
	cpu.readLinear32(0x400000, false);
	assert.equal(memory.u32(PT) & D, 0);
	cpu.writeLinear32(0x400000, 3, false);
	assert.equal(memory.u32(PT) & D, D);
});

test('4 MiB pages under CR4.PSE set A and D in the PDE', () => {
	const { cpu, memory } = paged(P | RW);
	memory.setU32(PD + 8, 0xc00000 | P | RW | PS);
	cpu.cr4 |= Cr4.PSE;
	cpu.flushTlb();
	cpu.writeLinear32(0x9abcd0, 0x55);
	assert.equal(memory.u32(0xdabcd0), 0x55);
	assert.equal(memory.u32(PD + 8) & (A | D), A | D);
});

test('the TLB keeps a stale mapping until invlpg or a flush', () => {
	const { cpu, memory } = paged(P | RW);
	memory.setU32(0x200000, 1);
	memory.setU32(0x300000, 2);
	assert.equal(cpu.readLinear32(0x400000), 1);
	memory.setU32(PT, 0x300000 | P | RW);
	assert.equal(cpu.readLinear32(0x400000), 1);
	cpu.invlpg(0x400000 as never);
	assert.equal(cpu.readLinear32(0x400000), 2);
});

test('page faults inside guest code are precise and report CR2 material', () => {
	const m = paged(P | RW);
	const { cpu, memory } = m;
	memory.ram.set([0xb8, 0x01, 0, 0, 0, 0xa3, 0x00, 0x00, 0x80, 0x00, 0xf4], 0x1000); // mov eax,1; mov [0x800000],eax; hlt
	cpu.eip = 0x1000;
	const exit = cpu.run(100);
	assert.equal(exit.kind, 'exception');
	if (exit.kind !== 'exception') return;
	assert.equal(exit.exception.errorCode, 2);
	assert.equal(exit.exception.faultAddress, 0x800000);
	assert.equal(cpu.eip, 0x1005);
	assert.equal(cpu.regs[Reg.EAX], 1);
	assert.equal(cpu.instructionCount, 1);
});
