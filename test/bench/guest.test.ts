import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { assembleFlat, GUEST_SOURCE, nasmAvailable, readDefaultCounts, withCounts, writeGuestVariant } from '../../bench/harness/guest-source';
import { markerIntervals } from '../../bench/harness/measure';
import { PHASES } from '../../bench/harness/phases';
import { runTimed } from '../../bench/harness/timed-run';

const source = readFileSync(GUEST_SOURCE, 'utf8');

test('the guest defines a default count for every phase', () => {
	const counts = readDefaultCounts(source);
	for (const phase of PHASES) assert.ok((counts.get(phase.countDefine) ?? 0) >= 1, phase.countDefine);
});

test('a bad count in the guest is reported with file and line', () => {
	const broken = source.replace(/%define N_CR3 \d+/, '%define N_CR3 lots');
	const line = broken.split('\n').findIndex((l) => l.includes('N_CR3 lots')) + 1;
	assert.throws(() => readDefaultCounts(broken, 'g.asm'), new RegExp(`^Error: g\\.asm:${line}: N_CR3 must be a whole number`));
	const missing = source.replace(/%define N_PTE \d+/, '');
	assert.throws(() => readDefaultCounts(missing, 'g.asm'), /no '%define N_PTE <count>' for phase 8/);
});

test('withCounts rewrites only the counts it is given, and refuses unknown ones', () => {
	const text = withCounts(source, new Map([['N_IN', 123]]));
	assert.equal(readDefaultCounts(text).get('N_IN'), 123);
	assert.equal(readDefaultCounts(text).get('N_CR3'), readDefaultCounts(source).get('N_CR3'));
	assert.throws(() => withCounts(source, new Map([['N_NOPE', 1]])), /no %define for N_NOPE/);
	assert.throws(() => withCounts(source, new Map([['N_IN', 0]])), /N_IN must be a whole number from 1/);
});

test("Ringside's assembler and nasm build the same guest bytes", { skip: !nasmAvailable() && 'nasm is not installed' }, () => {
	const dir = mkdtempSync(join(tmpdir(), 'bench-test-'));
	try {
		const variant = writeGuestVariant(dir, 'g', new Map([['N_ALU_RING0', 77]]));
		assembleFlat(variant, join(dir, 'nasm.bin'), 'nasm');
		assembleFlat(variant, join(dir, 'ringside.bin'), 'ringside');
		assert.deepEqual(readFileSync(join(dir, 'ringside.bin')), readFileSync(join(dir, 'nasm.bin')));
	} finally {
		rmSync(dir, { recursive: true, force: true });
	}
});

// The whole pipeline on Ringside's CLI (from source, no build needed), all three
// modes at once to keep the file fast: every phase is marked twice, the guest's
// own checks pass, and it exits with status 1.
const CLI = resolve(__dirname, '..', '..', 'src', 'cli', 'main.ts');
test('the guest with small counts completes under each Ringside mode', async () => {
	const dir = mkdtempSync(join(tmpdir(), 'bench-test-'));
	try {
		const variant = writeGuestVariant(dir, 'g', new Map(PHASES.map((p): [string, number] => [p.countDefine, 40])));
		await Promise.all(['native', 'trap-and-emulate', 'binary-translation'].map(async (mode) => {
			const run = await runTimed({ program: process.execPath, args: ['--import', 'tsx', CLI, 'run', variant, '--virtualization', mode] }, 45_000);
			assert.equal(run.timedOut, false, `${mode}: timed out`);
			assert.equal(run.exitCode, 1, `${mode}: ${run.stderr}`);
			assert.equal(markerIntervals(run.lines).size, PHASES.length + 1, mode);
		}));
	} finally {
		rmSync(dir, { recursive: true, force: true });
	}
});
