// The DWARF line reader against the toolchain's own decoder: for each DWARF
// version gcc emits, every statement row objdump decodes must come out the same.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseElf32 } from '../../src/machine/loaders/elf-file';
import { readLineTable } from '../../src/symbols/dwarf-line';
import { sourceMapFromDwarf } from '../../src/symbols/elf-debug-lines';
import { DebugInfoError } from '../../src/symbols/byte-reader';

const SOURCE = `static int square(int x) {
	return x * x;
}

int kernel_main(void) {
	int total = 0;
	for (int i = 0; i < 10; i++)
		total += square(i);
	return total;
}

void _start(void) { kernel_main(); for (;;); }
`;

function build(version: number): { dir: string; elf: Uint8Array } | string {
	const dir = mkdtempSync(join(tmpdir(), 'ringside-dwarf-'));
	writeFileSync(join(dir, 'k.c'), SOURCE);
	const out = join(dir, 'k.elf');
	const gcc = spawnSync('gcc', ['-m32', `-gdwarf-${version}`, '-O0', '-ffreestanding', '-fno-pie', '-no-pie', '-nostdlib', '-static',
		'-Wl,-Ttext=0x100000', '-Wl,--build-id=none', '-o', out, 'k.c'], { cwd: dir, encoding: 'utf8' });
	if (gcc.error || gcc.status !== 0) {
		rmSync(dir, { recursive: true, force: true });
		return `gcc -m32 is not usable here: ${gcc.error?.message ?? gcc.stderr}`;
	}
	return { dir, elf: readFileSync(out) };
}

/** objdump's decoded statement rows: "k.c  7  0x100018  x". */
function objdumpRows(path: string): Array<{ line: number; address: number }> {
	const text = spawnSync('objdump', ['--dwarf=decodedline', path], { encoding: 'utf8' }).stdout;
	const rows: Array<{ line: number; address: number }> = [];
	for (const match of text.matchAll(/^k\.c\s+(\d+)\s+0x([0-9a-f]+)(?:\s+\d+)?\s+x$/gm)) {
		rows.push({ line: Number(match[1]), address: parseInt(match[2], 16) });
	}
	return rows;
}

for (const version of [2, 4, 5]) {
	test(`DWARF ${version} line table matches objdump`, (t) => {
		const built = build(version);
		if (typeof built === 'string') return t.skip(built);
		try {
			const elf = parseElf32(built.elf);
			const rows = readLineTable({
				debugLine: elf.sectionData('.debug_line')!, debugLineStr: elf.sectionData('.debug_line_str'), debugStr: elf.sectionData('.debug_str'),
				compilationDirectory: built.dir,
			}).filter((r) => r.isStatement && !r.endSequence);
			const expected = objdumpRows(join(built.dir, 'k.elf'));
			assert.ok(expected.length > 10, 'objdump decoded the table');
			assert.deepEqual(rows.map((r) => ({ line: r.line, address: r.address })), expected);
			assert.ok(rows.every((r) => r.file === join(built.dir, 'k.c')), 'paths are anchored in the compilation directory');
		} finally {
			rmSync(built.dir, { recursive: true, force: true });
		}
	});
}

test('a source map from DWARF resolves breakpoints both ways', (t) => {
	const built = build(5);
	if (typeof built === 'string') return t.skip(built);
	try {
		const elf = parseElf32(built.elf);
		const map = sourceMapFromDwarf({ debugLine: elf.sectionData('.debug_line'), debugLineStr: elf.sectionData('.debug_line_str') }, built.dir)!;
		const file = join(built.dir, 'k.c');
		const [loopBody] = map.addressesFor(file, 8);
		assert.equal(map.lineFor(loopBody)?.line, 8);
		assert.equal(map.nearestLineWithCode(file, 4), 5, 'a blank line moves to the next line with code');
	} finally {
		rmSync(built.dir, { recursive: true, force: true });
	}
});

test('a truncated line table is reported, not misread', () => {
	const header = new Uint8Array([0x40, 0, 0, 0, 5, 0, 4, 0]);
	assert.throws(() => readLineTable({ debugLine: header, compilationDirectory: '/' }), DebugInfoError);
});

test('64-bit DWARF is refused with advice', () => {
	const bytes = new Uint8Array([0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0]);
	assert.throws(() => readLineTable({ debugLine: bytes, compilationDirectory: '/' }), /64-bit DWARF/);
});
