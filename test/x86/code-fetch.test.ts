// How the decoder reads guest code: the page after a block's first one only
// when an instruction really runs into it, fetched (faults and accessed bits as
// the CPU has them) only for the instruction being executed; code that may
// never run (later instructions, a region's successors) is only peeked at, so
// it raises, counts and marks nothing.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { machine } from './helpers';
import type { LinearAddress } from '../../src/x86/addresses';
import { decodeBlock, type CodeFetch, type CodePage } from '../../src/x86/decoder';
import { CpuException, Vector } from '../../src/x86/exceptions';
import { Cr0, Reg } from '../../src/x86/registers';

/** Guest code on linear pages 1 and 2 (physical pages 0x41 and 0x42); records every read. */
class RecordingFetch implements CodeFetch {
	readonly fetched: number[] = [];
	readonly peeked: number[] = [];
	private readonly memory = new Uint8Array(0x3000).fill(0x90);
	/** Page 2 as a fetch sees it, and as a peek does. */
	secondPage = { fetchable: true, peekable: true };

	constructor(at: number, bytes: number[]) {
		this.memory.set(bytes, at);
	}

	fetch(at: LinearAddress): CodePage {
		this.fetched.push(at);
		if (at >>> 12 === 2 && !this.secondPage.fetchable) throw new CpuException(Vector.PF, 0, at);
		return this.page(at);
	}

	peek(at: LinearAddress): CodePage | undefined {
		this.peeked.push(at);
		return at >>> 12 === 2 && !this.secondPage.peekable ? undefined : this.page(at);
	}

	private page(at: number): CodePage {
		return { bytes: this.memory.subarray(at, (at & ~0xfff) + 0x1000), physicalPage: 0x40 + (at >>> 12) };
	}
}

const FLAT_LIMIT = 0xffffffff;
const decode = (code: CodeFetch, eip: number, speculative = false) => decodeBlock(code, 0, FLAT_LIMIT, eip, { maxInstructions: 64, speculative });
const MOV_EAX_IMM32 = [0xb8, 0x78, 0x56, 0x34, 0x12];
const NOP = 0x90, HLT = 0xf4;

test('a block that ends on its page reads nothing of the next page', () => {
	const code = new RecordingFetch(0x1ff0, [NOP, HLT]);
	const block = decode(code, 0x1ff0);
	assert.deepEqual(block.instructions.map((i) => i.mnemonic), ['nop', 'hlt']);
	assert.deepEqual(block.physicalPages, [0x41]);
	assert.deepEqual(code.fetched, [0x1ff0]);
	assert.deepEqual(code.peeked, []);
});

test('a later instruction running into the next page is only peeked at; when it cannot be, the block ends before it', () => {
	const code = new RecordingFetch(0x1ffc, [NOP, NOP, ...MOV_EAX_IMM32]);
	code.secondPage = { fetchable: false, peekable: false };
	const cut = decode(code, 0x1ffc);
	assert.deepEqual(cut.instructions.map((i) => i.mnemonic), ['nop', 'nop']);
	assert.equal(cut.endEip, 0x1ffe);
	assert.deepEqual(cut.physicalPages, [0x41]);
	assert.deepEqual(code.fetched, [0x1ffc]);
	assert.deepEqual(code.peeked, [0x2000]);

	code.secondPage = { fetchable: true, peekable: true };
	const whole = decode(code, 0x1ffc);
	assert.deepEqual(whole.instructions.map((i) => i.text), ['nop', 'nop', 'mov eax, 0x12345678']);
	assert.deepEqual(whole.physicalPages, [0x41, 0x42]);
	assert.deepEqual(code.fetched, [0x1ffc, 0x1ffc], 'the second page was never fetched');
});

test('the instruction being executed that runs into the next page fetches it: its fault is thrown', () => {
	const code = new RecordingFetch(0x1ffe, MOV_EAX_IMM32);
	code.secondPage = { fetchable: false, peekable: true };
	assert.throws(() => decode(code, 0x1ffe), (e) => e instanceof CpuException && e.vector === Vector.PF && e.faultAddress === 0x2000);
	assert.deepEqual(code.fetched, [0x1ffe, 0x2000]);
	assert.deepEqual(code.peeked, []);
});

test('a speculative block only peeks, and says so with an exception when it cannot', () => {
	const code = new RecordingFetch(0x1ffe, MOV_EAX_IMM32);
	code.secondPage = { fetchable: true, peekable: false };
	assert.throws(() => decode(code, 0x1ffe, true), CpuException);
	assert.deepEqual(code.fetched, []);
	code.secondPage = { fetchable: true, peekable: true };
	assert.deepEqual(decode(code, 0x1ffe, true).physicalPages, [0x41, 0x42]);
	assert.deepEqual(code.fetched, []);
	assert.deepEqual(code.peeked, [0x1ffe, 0x2000, 0x1ffe, 0x2000]);
});

const P = 1, RW = 2, A = 0x20;
const PD = 0x10000, PT = 0x11000;

/** `source` at 0x1F00 under an identity map of the first 4 MiB whose entries have A clear; page 2 present or not. */
function pagedMachine(source: string, secondPagePresent: boolean) {
	const m = machine(source, 0x1f00);
	m.memory.setU32(PD, PT | P | RW);
	for (let i = 0; i < 1024; i++) m.memory.setU32(PT + 4 * i, (i << 12) | P | RW);
	if (!secondPagePresent) m.memory.setU32(PT + 8, 0x2000);
	m.cpu.cr3 = PD;
	m.cpu.cr0 |= Cr0.PG;
	m.cpu.flushTlb();
	return m;
}

test('code ending before a page boundary never offers the next page to the page fault handler', () => {
	const m = pagedMachine('mov eax, 1\nhlt', false);
	const misses: number[] = [];
	m.cpu.pageFaultHandler = (at) => {
		misses.push(at);
		throw new CpuException(Vector.PF, 0, at);
	};
	assert.equal(m.cpu.run(100).kind, 'halt');
	assert.equal(m.cpu.regs[Reg.EAX], 1);
	assert.deepEqual(misses, []);
});

test('a region\'s successor that runs into the next page leaves that page\'s accessed bit alone until it runs', () => {
	const m = pagedMachine(`xor eax, eax
inc eax
jz edge
hlt
times 0xfe - ($ - $$) nop
edge: mov eax, 0x12345678
hlt`, true);
	assert.equal(m.cpu.run(100).kind, 'halt');
	assert.equal(m.memory.u32(PT + 4) & A, A, 'the code page was fetched');
	assert.equal(m.memory.u32(PT + 8) & A, 0, 'the page after it was not');
	m.cpu.halted = false;
	m.cpu.eip = 0x1ffe;
	assert.equal(m.cpu.run(100).kind, 'halt');
	assert.equal(m.cpu.regs[Reg.EAX], 0x12345678);
	assert.equal(m.memory.u32(PT + 8) & A, A);
});
