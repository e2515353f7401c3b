import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const ROOT = resolve(__dirname, '../..');
const CLI = join(ROOT, 'src/cli/main.ts');
const example = (name: string): string => join(ROOT, 'examples/tests', name);

interface Result { code: number | null; stdout: string; stderr: string }

/** Runs the CLI; `stdin` undefined leaves stdin closed (ignored). */
function ringside(args: string[], stdin?: string): Promise<Result> {
	return new Promise((done, fail) => {
		const child = spawn(process.execPath, ['--import', 'tsx', CLI, ...args], { cwd: ROOT, stdio: [stdin === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'] });
		let stdout = '', stderr = '';
		child.stdout!.on('data', (d) => { stdout += d; });
		child.stderr!.on('data', (d) => { stderr += d; });
		const timer = setTimeout(() => { child.kill(); fail(new Error(`ringside ${args.join(' ')} did not finish: ${stderr}`)); }, 15_000);
		child.on('close', (code) => { clearTimeout(timer); done({ code, stdout, stderr }); });
		if (stdin !== undefined) child.stdin!.end(stdin);
	});
}

test('--help documents the exit codes; --version prints the version', async () => {
	const help = await ringside(['--help']);
	assert.equal(help.code, 0);
	for (const line of [/^\s+2\s+usage error/m, /^\s+4\s+the program cannot be loaded/m, /^\s+6\s+triple fault/m, /^\s+8\s+the guest halted/m, /^\s+10\s+--max-instructions reached/m, /^\s+12\s+internal error/m, /^\s+14\s+the monitor cannot virtualize/m]) {
		assert.match(help.stdout, line);
	}
	const version = await ringside(['--version']);
	assert.deepEqual([version.code, version.stdout], [0, 'ringside 0.1.0\n']);
});

test('a guest mapping every 4 MiB slot stops as unsupported (14) with the monitor\'s message, not as an internal error', async () => {
	const guest = join(ROOT, 'test/debug/guests/all-slots-mapped.asm');
	for (const mode of ['binary-translation', 'trap-and-emulate']) {
		const result = await ringside(['run', guest, '--virtualization', mode]);
		assert.equal(result.code, 14, `${mode}: ${result.stderr}`);
		assert.match(result.stderr, /^ringside: unsupported guest at EIP 0x[0-9a-f]{8}: the guest's page directory .* maps all 1024 slots of 4 MiB/);
		assert.doesNotMatch(result.stderr, /internal error/);
	}
	assert.equal((await ringside(['run', guest, '--virtualization', 'native'])).code, 1);
});

test('a usage error exits 2 and says what was wrong', async () => {
	const result = await ringside(['run', example('hello.asm'), '--virtualization', 'vt-x']);
	assert.equal(result.code, 2);
	assert.match(result.stderr, /--virtualization must be one of/);
});

test('hello: serial output on stdout, exit code from port 0xF4, under every mode, stdin closed', async () => {
	for (const mode of ['binary-translation', 'trap-and-emulate', 'native']) {
		const result = await ringside(['run', example('hello.asm'), '--virtualization', mode]);
		assert.deepEqual([result.code, result.stdout], [1, 'hello from ringside\n'], `${mode}: ${result.stderr}`);
	}
});

test('--stats prints the monitor summary on stderr', async () => {
	const result = await ringside(['run', example('hello.asm'), '--stats']);
	assert.equal(result.code, 1);
	assert.match(result.stderr, /instructions:\s+[1-9]\d*/);
	for (const figure of ['holes', 'guest exceptions, INT n', 'interrupts', 'translated blocks', 'rewritten instructions']) {
		assert.match(result.stderr, new RegExp(`^\\s+${figure}:\\s+\\d+$`, 'm'));
	}
	// hello.asm initialises the UART with five OUTs, then polls LSR with IN before each character.
	assert.match(result.stderr, /^\s+out\s+(2[5-9]|[3-9]\d)$/m);
	assert.match(result.stderr, /^\s+in\s+[1-9]\d*$/m);
});

test('stdin is fed to COM1: echo', async () => {
	const result = await ringside(['run', example('echo.asm')], 'hello q');
	assert.equal(result.code, 1, result.stderr);
	assert.equal(result.stdout, "echo: type, 'q' quits\nhello \necho: got q, bye\n");
});

test('a program that cannot be loaded exits 4: missing file, assembly errors with file:line:column', async () => {
	const missing = await ringside(['run', '/nonexistent/kernel.asm']);
	assert.equal(missing.code, 4);
	assert.match(missing.stderr, /cannot read the program \/nonexistent\/kernel\.asm: no such file/);
	const dir = mkdtempSync(join(tmpdir(), 'ringside-cli-'));
	const broken = join(dir, 'broken.asm');
	writeFileSync(broken, 'bits 32\nstart:\n\tfrobnicate eax\n');
	const result = await ringside(['run', broken]);
	assert.equal(result.code, 4);
	assert.ok(result.stderr.includes(`${broken}:3:2: `), result.stderr);
});

test('%include is read relative to the including file', async () => {
	const dir = mkdtempSync(join(tmpdir(), 'ringside-cli-'));
	writeFileSync(join(dir, 'exit.inc'), 'exit_ok:\n\tmov al, 0\n\tout 0xf4, al\n');
	const main = join(dir, 'main.asm');
	writeFileSync(main, 'bits 32\norg 0x100000\nstart:\n\tjmp exit_ok\n%include "exit.inc"\n');
	const result = await ringside(['run', main]);
	assert.equal(result.code, 1, result.stderr);
});

test('triple fault exits 6, halting forever exits 8, the instruction limit exits 10', async () => {
	const fault = await ringside(['run', example('triple-fault.asm')]);
	assert.equal(fault.code, 6, fault.stderr);
	assert.match(fault.stderr, /triple fault at EIP 0x[0-9a-f]{8}/);
	const halt = await ringside(['run', example('halt-forever.asm')]);
	assert.equal(halt.code, 8, halt.stderr);
	assert.match(halt.stderr, /halted at EIP 0x[0-9a-f]{8} with nothing to wake it/);
	const loop = await ringside(['run', join(ROOT, 'examples/tests/loop-forever.asm'), '--max-instructions', '300000']);
	assert.equal(loop.code, 10, loop.stderr);
	assert.match(loop.stdout, /loop-forever: spinning now/);
	assert.match(loop.stderr, /stopped after 300000 instructions/);
});

test('the demo kernel prints what it prints on QEMU and exits 1', async () => {
	const expected = readFileSync(join(ROOT, 'examples/demo/expected-output.txt'), 'utf8');
	const result = await ringside(['run', join(ROOT, 'examples/demo/kernel.asm')]);
	assert.equal(result.code, 1, result.stderr);
	assert.equal(result.stdout, expected);
});
