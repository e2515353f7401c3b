// A tiny machine for CPU tests: RAM on a MemoryBus, a recording IoBus, and
// nasm to assemble guest code (the tests need nasm on PATH).

import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { PhysicalAddress } from '../../src/x86/addresses';
import type { InterruptLine, IoBus, IoSize, MemoryBus } from '../../src/x86/bus';
import { Cpu } from '../../src/x86/cpu';
import { Reg } from '../../src/x86/registers';

export class TestMemory implements MemoryBus {
	readonly ram: Uint8Array;
	/** Writes that missed RAM, as [address, size, value]. */
	readonly deviceWrites: [number, number, number][] = [];
	onRamWrite?: (address: PhysicalAddress, length: number) => void;

	constructor(readonly ramSize: number) {
		this.ram = new Uint8Array(ramSize);
	}

	read8(): number { return 0xff; }
	read16(): number { return 0xffff; }
	read32(): number { return 0xffffffff; }
	write8(a: PhysicalAddress, v: number): void { this.deviceWrites.push([a, 1, v]); }
	write16(a: PhysicalAddress, v: number): void { this.deviceWrites.push([a, 2, v]); }
	write32(a: PhysicalAddress, v: number): void { this.deviceWrites.push([a, 4, v]); }
	peek(a: PhysicalAddress, length: number): Uint8Array { return this.ram.slice(a, a + length); }
	poke(a: PhysicalAddress, bytes: Uint8Array): void { this.ram.set(bytes, a); }

	u32(a: number): number {
		return (this.ram[a] | (this.ram[a + 1] << 8) | (this.ram[a + 2] << 16) | (this.ram[a + 3] << 24)) >>> 0;
	}

	setU32(a: number, v: number): void {
		for (let i = 0; i < 4; i++) this.ram[a + i] = (v >>> (8 * i)) & 0xff;
	}
}

export class TestIo implements IoBus {
	readonly writes: [number, IoSize, number][] = [];
	readonly inputs = new Map<number, number>();
	read(port: number): number { return this.inputs.get(port) ?? 0xffffffff; }
	write(port: number, size: IoSize, value: number): void { this.writes.push([port, size, value]); }
}

export class TestInterruptLine implements InterruptLine {
	raised = false;
	pending(): boolean { return this.raised; }
	acknowledge(): number { this.raised = false; return 0x20; }
}

/** Assembles 32-bit NASM source into flat bytes at `org`. */
export function assemble(source: string, org = 0x1000): Uint8Array {
	const dir = mkdtempSync(join(tmpdir(), 'ringside-x86-'));
	try {
		writeFileSync(join(dir, 'a.asm'), `bits 32\norg ${org}\n${source}\n`);
		execFileSync('nasm', ['-f', 'bin', '-o', join(dir, 'a.bin'), join(dir, 'a.asm')], { stdio: ['ignore', 'ignore', 'pipe'] });
		return new Uint8Array(readFileSync(join(dir, 'a.bin')));
	} finally {
		rmSync(dir, { recursive: true, force: true });
	}
}

export interface TestMachine {
	cpu: Cpu;
	memory: TestMemory;
	io: TestIo;
	line: TestInterruptLine;
}

/** A flat ring-0 machine (paging off) with `source` at `org`, ESP at 0x80000. */
export function machine(source: string, org = 0x1000, ramSize = 0x400000): TestMachine {
	const memory = new TestMemory(ramSize);
	const io = new TestIo();
	const line = new TestInterruptLine();
	const cpu = new Cpu(memory, io, line);
	memory.ram.set(assemble(source, org), org);
	cpu.eip = org;
	cpu.regs[Reg.ESP] = 0x80000;
	return { cpu, memory, io, line };
}

/** Runs until HLT (or another exit) with a generous budget. */
export function runToHalt(m: TestMachine, budget = 100000) {
	return m.cpu.run(budget);
}

export const u32 = (v: number): number => v >>> 0;
