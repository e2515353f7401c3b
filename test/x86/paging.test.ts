import { test } from 'node:test';
import assert from 'node:assert/strict';
import { machine } from './helpers';
import { CpuException, Vector } from '../../src/x86/exceptions';
import { Cr0, Cr4, Reg } from '../../src/x86/registers';
import { tryWalk, walk } from '../../src/x86/paging';

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

test('tryWalk answers what walk throws, as an error code, and touches no accessed or dirty bit when it refuses', () => {
	const cases: { flags: number; wp: boolean; write: boolean; user: boolean }[] = [];
	for (const flags of [0, P, P | RW, P | US, P | RW | US]) {
		for (const wp of [false, true]) for (const write of [false, true]) for (const user of [false, true]) cases.push({ flags, wp, write, user });
	}
	for (const c of cases) {
		const { cpu, memory } = paged(c.flags, c.wp);
		const before = [memory.u32(PD + 4), memory.u32(PT)];
		const answer = tryWalk(cpu, 0x400123, c.write, c.user);
		if (typeof answer === 'number') {
			assert.deepEqual([memory.u32(PD + 4), memory.u32(PT)], before, JSON.stringify(c));
			const thrown = pageFault(() => walk(cpu, 0x400123, c.write, c.user));
			assert.equal(answer, thrown.errorCode, JSON.stringify(c));
			assert.equal(thrown.faultAddress, 0x400123);
		} else {
			const again = paged(c.flags, c.wp);
			assert.deepEqual(answer, walk(again.cpu, 0x400123, c.write, c.user), JSON.stringify(c));
		}
	}
});

test('INVLPG anywhere in a 4 MiB page drops every 4 KiB slot it filled; a 4 KiB page drops only its own', () => {
	const { cpu, memory } = paged(P | RW);
	cpu.cr4 |= Cr4.PSE;
	memory.setU32(PD + 8, 0xc00000 | P | RW | PS);
	memory.setU32(0xc01000, 1);
	memory.setU32(0xc02000, 2);
	memory.setU32(0x801000, 3);
	memory.setU32(0x802000, 4);
	cpu.flushTlb();
	assert.deepEqual([cpu.readLinear32(0x801000), cpu.readLinear32(0x802000)], [1, 2]);
	memory.setU32(PD + 8, 0x800000 | P | RW | PS);
	cpu.invlpg(0x801000 as never);
	assert.deepEqual([cpu.readLinear32(0x801000), cpu.readLinear32(0x802000)], [3, 4], 'both slots of the large page re-walked');
	// 4 KiB pages keep the cheaper behaviour: a neighbour's slot stays until its own INVLPG.
	memory.setU32(0x200000, 5);
	memory.setU32(0x201000, 6);
	memory.setU32(PT + 4, 0x201000 | P | RW);
	assert.deepEqual([cpu.readLinear32(0x400000), cpu.readLinear32(0x401000)], [5, 6]);
	memory.setU32(PT, 0x201000 | P | RW);
	memory.setU32(PT + 4, 0x200000 | P | RW);
	cpu.invlpg(0x400000 as never);
	assert.deepEqual([cpu.readLinear32(0x400000), cpu.readLinear32(0x401000)], [6, 6]);
});
