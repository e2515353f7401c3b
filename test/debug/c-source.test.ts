import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect, launch, lineOf } from './dap-harness';

// A freestanding C kernel with DWARF line tables, built by gcc -m32 -g: no
// multiboot header is needed, the loader follows the ELF program headers.
const SOURCE = `static inline void outb(unsigned short port, unsigned char value) {
	__asm__ volatile("outb %0, %1" : : "a"(value), "Nd"(port));
}

static int square(int x) {

	int result = x * x;
	return result;
}

void _start(void) {
	int total = 0;
	for (int i = 1; i <= 3; i++)
		total += square(i);
	outb(0xf4, total == 14 ? 0 : 1);
	for (;;) {
	}
}
`;

function build(): { elf: string; source: string } | undefined {
	const dir = mkdtempSync(join(tmpdir(), 'ringside-c-'));
	const source = join(dir, 'kernel.c');
	const elf = join(dir, 'kernel.elf');
	writeFileSync(source, SOURCE);
	const gcc = spawnSync('gcc', ['-m32', '-g', '-O0', '-ffreestanding', '-fno-pic', '-fno-pie', '-no-pie', '-nostdlib', '-static',
		'-Wl,-Ttext=0x100000', '-Wl,--build-id=none', '-o', elf, source], { cwd: dir, encoding: 'utf8' });
	return gcc.status === 0 ? { elf, source } : undefined;
}

const built = build();

test('C source breakpoints through DWARF: moved to a line with code, hit, with the caller frame from the EBP chain', { skip: built ? false : 'gcc -m32 is not available' }, async () => {
	const { elf, source } = built!;
	const { dc, close } = await connect();
	try {
		const blank = lineOf(SOURCE, /^$/, 2);
		const body = lineOf(SOURCE, /int result = x \* x;/);
		const call = lineOf(SOURCE, /total \+= square\(i\);/);
		let stopped = dc.waitForEvent('stopped');
		let verified: boolean | undefined, line: number | undefined;
		await launch(dc, { program: elf }, async () => {
			const response = await dc.setBreakpointsRequest({ source: { path: source }, breakpoints: [{ line: blank }] });
			({ verified, line } = response.body.breakpoints[0]);
		});
		assert.deepEqual([verified, line], [true, body]);
		assert.equal((await stopped).body.reason, 'breakpoint');
		const frames = await dc.stackTraceRequest({ threadId: 1 });
		const [top, caller] = frames.body.stackFrames;
		assert.deepEqual([top.source?.path, top.line], [source, body]);
		assert.match(top.name, /^square\+0x[0-9a-f]+ \[ring 0 \(real 1\), translated\]$/);
		assert.deepEqual([caller?.source?.path, caller?.line], [source, call]);
		assert.match(caller.name, /^_start\+0x[0-9a-f]+$/);
		assert.equal((await dc.evaluateRequest({ expression: '[ebp + 8]' })).body.result, '0x00000001 (1)');

		await dc.setBreakpointsRequest({ source: { path: source }, breakpoints: [] });
		const exited = dc.waitForEvent('exited');
		await dc.continueRequest({ threadId: 1 });
		assert.equal((await exited).body.exitCode, 1);
	} finally {
		await close();
	}
});
