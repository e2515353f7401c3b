import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadProgram, FLAT_LOAD_ADDRESS } from '../../src/machine/loaders/load-program';
import { ProgramLoadError } from '../../src/machine/loaders/program-load-error';
import { PhysicalMemory } from '../../src/machine/physical-memory';
import { SymbolTable } from '../../src/symbols/source-map';
import { physical } from '../../src/x86/addresses';
import { buildElf, multibootHeader } from './helpers/elf-builder';

const machine = (mib = 4) => ({ memory: new PhysicalMemory(mib) });
const bytesAt = (pc: { memory: PhysicalMemory }, address: number, length: number) => [...pc.memory.peek(physical(address), length)];
const loadFails = (run: () => unknown, message: RegExp) => assert.throws(run, (e: unknown) => e instanceof ProgramLoadError && message.test(e.message));

test('ELF: PT_LOAD segments are copied to their physical addresses and bss is zeroed', () => {
	const pc = machine();
	pc.memory.poke(physical(0x101000), new Uint8Array(0x20).fill(0xcc));
	const program = loadProgram(pc, buildElf({
		entry: 0x100000,
		segments: [{ paddr: 0x100000, data: Uint8Array.of(0xf4, 0xeb, 0xfd) }, { paddr: 0x101000, data: Uint8Array.of(9), memsz: 0x10 }],
		symbols: [{ name: 'kernel_main', value: 0x100000, size: 3 }],
	}));
	assert.equal(program.kind, 'elf');
	assert.equal(program.entry, 0x100000);
	assert.deepEqual(program.ranges, [{ start: 0x100000, end: 0x100003 }, { start: 0x101000, end: 0x101010 }]);
	assert.deepEqual(bytesAt(pc, 0x100000, 3), [0xf4, 0xeb, 0xfd]);
	assert.deepEqual(bytesAt(pc, 0x101000, 0x11), [9, ...new Array(15).fill(0), 0xcc]);
	assert.equal(program.symbols.lookup('kernel_main')?.address, 0x100000);
	assert.ok(program.elf);
});

test('ELF: a higher-half entry point is entered at its physical address', () => {
	const pc = machine();
	const program = loadProgram(pc, buildElf({ entry: 0xc0100004, segments: [{ paddr: 0x100000, vaddr: 0xc0100000, data: new Uint8Array(8) }] }));
	assert.equal(program.entry, 0x100004);
});

test('ELF: wrong machine, wrong type, no segments, entry outside the program', () => {
	const seg = [{ paddr: 0x100000, data: new Uint8Array(4) }];
	loadFails(() => loadProgram(machine(), buildElf({ entry: 0x100000, machine: 62, segments: seg })), /machine 62, not Intel 80386 \(EM_386 = 3\): build with -m32/);
	loadFails(() => loadProgram(machine(), buildElf({ entry: 0x100000, type: 1, segments: seg })), /object file \(ET_REL\): link it into an executable/);
	loadFails(() => loadProgram(machine(), buildElf({ entry: 0x100000, type: 3, segments: seg })), /-static -no-pie/);
	loadFails(() => loadProgram(machine(), buildElf({ entry: 0x100000, segments: [] })), /no loadable \(PT_LOAD\) segments/);
	loadFails(() => loadProgram(machine(), buildElf({ entry: 0x200000, segments: seg })), /entry point 0x200000 is not inside any loadable segment/);
});

test('ELF: segments that overlap or do not fit in RAM are refused', () => {
	loadFails(() => loadProgram(machine(), buildElf({ entry: 0x100000, segments: [{ paddr: 0x100000, data: new Uint8Array(0x100) }, { paddr: 0x1000f0, data: new Uint8Array(4) }] })),
		/program header 0 \(0x100000\.\.0x100100\) and program header 1 \(0x1000f0\.\.0x1000f4\) overlap/);
	loadFails(() => loadProgram(machine(4), buildElf({ entry: 0x100000, segments: [{ paddr: 0x100000, data: new Uint8Array(4) }, { paddr: 0x3ff000, data: new Uint8Array(4), memsz: 0x2000 }] })),
		/program header 1 at 0x3ff000\.\.0x401000 does not fit in 4 MiB of guest memory: raise 'memory' in launch.json/);
	loadFails(() => loadProgram(machine(), buildElf({ entry: 0xfffffff0, segments: [{ paddr: 0xfffffff0, data: new Uint8Array(4), memsz: 0x20 }] })), /runs past the 4 GiB physical address space/);
});

test('ELF: a multiboot header with the a.out kludge decides the placement and the entry', () => {
	const text = new Uint8Array(0x40);
	text.set(multibootHeader(0x10003, [0x200000, 0x200000, 0, 0x201000, 0x200020]));
	const elf = buildElf({ entry: 0x100000, segments: [{ paddr: 0x100000, data: text }] });
	const pc = machine();
	pc.memory.poke(physical(0x200f00), Uint8Array.of(0xcc));
	const program = loadProgram(pc, elf);
	assert.equal(program.entry, 0x200020);
	assert.deepEqual(program.ranges, [{ start: 0x200000, end: 0x201000 }], 'from the header (file offset 0x54) to the end of the file, then bss');
	assert.equal(pc.memory.read32(physical(0x200000)), 0x1badb002);
	assert.equal(pc.memory.read8(physical(0x100000)), 0, 'the ELF program headers were not used');
	assert.equal(pc.memory.read8(physical(0x200f00)), 0, 'bss zeroed');
});

test('flat binary without a header: loaded and entered at 1 MiB', () => {
	const pc = machine();
	const program = loadProgram(pc, Uint8Array.of(0x90, 0xf4));
	assert.equal(program.kind, 'flat');
	assert.equal(program.entry, FLAT_LOAD_ADDRESS);
	assert.deepEqual(bytesAt(pc, FLAT_LOAD_ADDRESS, 2), [0x90, 0xf4]);
	loadFails(() => loadProgram(machine(), new Uint8Array(0)), /program file is empty/);
	loadFails(() => loadProgram(machine(2), new Uint8Array(0x100001)), /the flat binary at 0x100000\.\.0x200001 does not fit in 2 MiB/);
});

test('flat binary with a kludge header: loaded where the header says', () => {
	const image = new Uint8Array(0x30);
	image.set(multibootHeader(0x10000, [0x300008, 0x300000, 0x300020, 0x300040, 0x300010]), 8);
	const pc = machine();
	const program = loadProgram(pc, image, 'flat');
	assert.equal(program.entry, 0x300010);
	assert.deepEqual(program.ranges, [{ start: 0x300000, end: 0x300040 }]);
	assert.equal(pc.memory.read32(physical(0x300008)), 0x1badb002);
});

test('assembled image: loaded at its origin, entered at _start, start, or the origin', () => {
	const image = Uint8Array.of(0x90, 0x90, 0xf4);
	const withStart = new SymbolTable();
	withStart.add({ name: 'start', address: 0x7c01, size: 0 });
	withStart.add({ name: '_start', address: 0x7c02, size: 0 });
	const pc = machine();
	assert.equal(loadProgram(pc, { image, origin: 0x7c00, symbols: withStart }, 'assembled').entry, 0x7c02);
	assert.deepEqual(bytesAt(pc, 0x7c00, 3), [0x90, 0x90, 0xf4]);
	const onlyStart = new SymbolTable();
	onlyStart.add({ name: 'start', address: 0x7c01, size: 0 });
	assert.equal(loadProgram(machine(), { image, origin: 0x7c00, symbols: onlyStart }, 'assembled').entry, 0x7c01);
	const program = loadProgram(machine(), { image, origin: 0x100000 }, 'assembled');
	assert.equal(program.entry, 0x100000);
	assert.equal(program.kind, 'assembled');
	loadFails(() => loadProgram(machine(), { image: new Uint8Array(0), origin: 0 }, 'assembled'), /assembled program is empty/);
});

test('assembled image with a kludge header follows the header', () => {
	const image = new Uint8Array(0x20);
	image.set(multibootHeader(0x10000, [0x100000, 0x100000, 0, 0, 0x100018]));
	const program = loadProgram(machine(), { image, origin: 0x7c00 }, 'assembled');
	assert.equal(program.entry, 0x100018);
	assert.deepEqual(program.ranges, [{ start: 0x100000, end: 0x100020 }]);
});
