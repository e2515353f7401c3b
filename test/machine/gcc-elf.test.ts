// A real kernel ELF from gcc -m32 and ld, built into a temporary directory:
// the loader must agree with the toolchain about where everything goes.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadProgram } from '../../src/machine/loaders/load-program';
import { PhysicalMemory } from '../../src/machine/physical-memory';
import { physical } from '../../src/x86/addresses';

const SOURCE = `
__attribute__((section(".multiboot"), used, aligned(4)))
static const unsigned int header[3] = { 0x1BADB002u, 0x3u, -(0x1BADB002u + 0x3u) };
static int counter;
int table[4] = { 11, 22, 33, 44 };
void _start(void) { counter += table[2]; for (;;) __asm__ volatile("hlt"); }
`;

const LINKER_SCRIPT = `
ENTRY(_start)
SECTIONS {
	. = 0x100000;
	.text : { *(.multiboot) *(.text*) }
	.data : { *(.rodata*) *(.data*) }
	.bss : { *(.bss*) *(COMMON) }
	/DISCARD/ : { *(.eh_frame) *(.note*) *(.comment) }
}
`;

function buildKernel(): { elf: Uint8Array; symbols: Map<string, number> } | string {
	const dir = mkdtempSync(join(tmpdir(), 'ringside-elf-'));
	try {
		writeFileSync(join(dir, 'kernel.c'), SOURCE);
		writeFileSync(join(dir, 'kernel.ld'), LINKER_SCRIPT);
		const output = join(dir, 'kernel.elf');
		const gcc = spawnSync('gcc', ['-m32', '-ffreestanding', '-fno-pic', '-fno-stack-protector', '-fno-asynchronous-unwind-tables', '-O1',
			'-nostdlib', '-static', '-no-pie', '-Wl,-n', '-Wl,--build-id=none', '-T', join(dir, 'kernel.ld'), '-o', output, join(dir, 'kernel.c')], { encoding: 'utf8' });
		if (gcc.error || gcc.status !== 0) return `gcc -m32 is not usable here: ${gcc.error?.message ?? gcc.stderr}`;
		const nm = spawnSync('nm', [output], { encoding: 'utf8' });
		if (nm.status !== 0) return `nm failed: ${nm.stderr}`;
		const symbols = new Map(nm.stdout.trim().split('\n').map((line) => {
			const [address, , name] = line.split(' ');
			return [name, parseInt(address, 16)] as const;
		}));
		return { elf: readFileSync(output), symbols };
	} finally {
		rmSync(dir, { recursive: true, force: true });
	}
}

const built = buildKernel();

test('a gcc -m32 kernel loads where ld put it, enters at _start, and zeroes its bss', { skip: typeof built === 'string' ? built : false }, () => {
	if (typeof built === 'string') return;
	const pc = { memory: new PhysicalMemory(4) };
	const counter = built.symbols.get('counter')!;
	pc.memory.poke(physical(counter), Uint8Array.of(0xaa, 0xaa, 0xaa, 0xaa));
	const program = loadProgram(pc, built.elf);
	assert.equal(program.entry, built.symbols.get('_start'));
	assert.equal(program.multiboot?.flags, 3);
	assert.equal(pc.memory.read32(physical(0x100000)), 0x1badb002, 'the multiboot header leads .text');
	assert.equal(pc.memory.read32(physical(built.symbols.get('table')! + 8)), 33);
	assert.equal(pc.memory.read32(physical(counter)), 0);
	const text = program.elf!.sectionData('.text')!;
	assert.deepEqual([...pc.memory.peek(physical(0x100000), text.length)], [...text]);
	assert.equal(program.symbols.lookup('_start')?.address, built.symbols.get('_start'));
});
