// The assembler must produce NASM's bytes (nasm -f bin, default -Ox) for every
// corpus file and every example kernel in the repository.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { tmpdir } from 'node:os';
import { assemble } from '../../src/asm';

const root = resolve(__dirname, '../..');
const hasNasm = spawnSync('nasm', ['-v']).status === 0;
const scratch = mkdtempSync(join(tmpdir(), 'ringside-asm-'));

function find(dir: string): string[] {
	let names: string[];
	try { names = readdirSync(dir); } catch { return []; }
	return names.flatMap((n) => {
		const p = join(dir, n);
		return statSync(p).isDirectory() ? find(p) : p.endsWith('.asm') ? [p] : [];
	});
}

function nasm(file: string): Buffer | string {
	const out = join(scratch, 'out.bin');
	try {
		execFileSync('nasm', ['-f', 'bin', '-i', `${dirname(file)}/`, file, '-o', out], { stdio: 'pipe' });
		return readFileSync(out);
	} catch (e) {
		return String((e as { stderr?: Buffer }).stderr ?? e);
	}
}

function firstDifference(a: Uint8Array, b: Uint8Array): number {
	let i = 0;
	while (i < a.length && i < b.length && a[i] === b[i]) i++;
	return i;
}

const files = [...find(join(root, 'test/asm/corpus')), ...find(join(root, 'examples'))];

for (const file of files) {
	test(`matches nasm: ${file.slice(root.length + 1)}`, { skip: hasNasm ? false : 'nasm is not on PATH' }, () => {
		const result = assemble(readFileSync(file, 'utf8'), { file, readFile: (p) => readFileSync(p, 'utf8') });
		const reference = nasm(file);
		if (typeof reference === 'string') {
			assert.equal(result.ok, false, `nasm rejects ${file} (${reference.trim()}) but we accepted it`);
			return;
		}
		assert.deepEqual(result.errors, []);
		const at = firstDifference(result.image, reference);
		const where = result.sourceMap.lineFor(result.origin + at, 64);
		assert.ok(
			at === reference.length && at === result.image.length,
			`differs from nasm at offset 0x${at.toString(16)} (line ${where?.line}): ours ${Buffer.from(result.image.subarray(at, at + 8)).toString('hex')}, nasm ${reference.subarray(at, at + 8).toString('hex')}`,
		);
	});
}
