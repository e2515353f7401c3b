import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DebugProtocol } from '@vscode/debugprotocol';
import { connect, launch, HELLO, LOOP_FOREVER } from './dap-harness';

test('initialize advertises the capabilities and the exception filters', async () => {
	const { dc, close } = await connect();
	try {
		const response = await dc.initializeRequest();
		const caps = response.body!;
		assert.equal(caps.supportsConfigurationDoneRequest, true);
		assert.equal(caps.supportsDisassembleRequest, true);
		assert.equal(caps.supportsInstructionBreakpoints, true);
		assert.equal(caps.supportsExceptionInfoRequest, true);
		const filters = caps.exceptionBreakpointFilters!.map((f) => `${f.filter}=${f.label}${f.default ? ' (default)' : ''}`);
		assert.deepEqual(filters, [
			'privileged=Privileged instruction trapped',
			'sensitive=Sensitive instruction (translated, or a hole)',
			'guest-exception=Guest exception',
			'interrupt=Interrupt delivered',
			'io=Port I/O',
			'ring-change=Ring change',
			'block-translated=Block translated',
			'triple-fault=Triple fault (default)',
		]);
	} finally {
		await close();
	}
});

test('stopOnEntry stops at the entry; continue prints the serial output and exits with the guest code', async () => {
	const { dc, close } = await connect();
	try {
		const stopped = dc.waitForEvent('stopped');
		const status = dc.waitForEvent('ringside/status');
		await launch(dc, { program: HELLO, stopOnEntry: true });
		assert.equal((await stopped).body.reason, 'entry');
		const statusBody = (await status).body;
		assert.deepEqual(statusBody, { virtualRing: 0, realRing: 1, executionMode: 'translated', virtualization: 'binary-translation' });
		const frames = await dc.stackTraceRequest({ threadId: 1 });
		const top = frames.body.stackFrames[0];
		assert.equal(top.name, 'start [ring 0 (real 1), translated]');
		assert.equal(top.source?.path, HELLO);
		assert.equal(top.line, readFileSync(HELLO, 'utf8').split('\n').findIndex((l) => /^\tmov esp, 0x00090000/.test(l)) + 1);
		assert.match(top.instructionPointerReference ?? '', /^0x[0-9a-f]{8}$/);

		const output = dc.assertOutput('stdout', 'hello from ringside\n');
		const exited = dc.waitForEvent('exited');
		const terminated = dc.waitForEvent('terminated');
		await dc.continueRequest({ threadId: 1 });
		await output;
		assert.equal((await exited).body.exitCode, 1);
		await terminated;
	} finally {
		await close();
	}
});

test('a guest that loops forever can be paused, and continued', async () => {
	const { dc, close } = await connect();
	try {
		const output = dc.assertOutput('stdout', 'loop-forever: spinning now\n');
		await launch(dc, { program: LOOP_FOREVER });
		await output;
		for (let round = 0; round < 2; round++) {
			const stopped = dc.waitForEvent('stopped');
			await dc.pauseRequest({ threadId: 1 });
			assert.equal((await stopped).body.reason, 'pause');
			const frames = await dc.stackTraceRequest({ threadId: 1 });
			assert.match(frames.body.stackFrames[0].name, /^spin \[ring 0 \(real 1\), translated\]$/);
			await dc.continueRequest({ threadId: 1 });
		}
	} finally {
		await close();
	}
});

function scratch(name: string, content: string | Uint8Array): string {
	const dir = mkdtempSync(join(tmpdir(), 'ringside-launch-'));
	const path = join(dir, name);
	writeFileSync(path, content);
	return path;
}

async function launchError(args: Record<string, unknown>): Promise<{ message: string; outputs: DebugProtocol.OutputEvent[] }> {
	const { dc, close } = await connect();
	const outputs: DebugProtocol.OutputEvent[] = [];
	dc.on('output', (e: DebugProtocol.OutputEvent) => outputs.push(e));
	try {
		await dc.initializeRequest();
		const error = await dc.launchRequest(args as DebugProtocol.LaunchRequestArguments).then(() => undefined, (e: Error) => e);
		assert.ok(error, 'the launch should fail');
		// The adapter is still alive and answers.
		const threads = await dc.threadsRequest();
		assert.equal(threads.body.threads[0].name, 'Virtual CPU');
		return { message: error.message, outputs };
	} finally {
		await close();
	}
}

test('assembly errors fail the launch with file:line:column, each also a clickable output event', async () => {
	const path = scratch('broken.asm', 'bits 32\norg 0x100000\nstart:\n\tmov eax, [ebx+\n\tfrobnicate eax\n');
	const { message, outputs } = await launchError({ program: path });
	assert.match(message, new RegExp(`${path.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:4:\\d+: `));
	assert.match(message, /:5:\d+: .*frobnicate/i);
	const located = outputs.filter((o) => o.body.source?.path === path);
	assert.deepEqual(located.map((o) => o.body.line), [4, 5]);
	assert.ok(located.every((o) => typeof o.body.column === 'number' && o.body.category === 'stderr'));
});

test('a truncated ELF, a missing file and bad attributes fail the launch cleanly', async () => {
	const elf = scratch('kernel.elf', new Uint8Array([0x7f, 0x45, 0x4c, 0x46, 1, 1, 1, 0, 0, 0]));
	assert.match((await launchError({ program: elf })).message, /cannot load .*kernel\.elf: /);
	assert.match((await launchError({ program: '/nonexistent/kernel.asm' })).message, /cannot read the program \/nonexistent\/kernel\.asm: no such file/);
	assert.match((await launchError({ program: HELLO, memory: 5000 })).message, /"memory" must be a whole number of MiB from 1 to 1024/);
	assert.match((await launchError({ program: HELLO, virtualization: 'vt-x' })).message, /"virtualization" must be one of/);
	assert.match((await launchError({})).message, /"program" is required/);
});

test('bad requests get error responses and the session goes on', async () => {
	const { dc, close } = await connect();
	try {
		const stopped = dc.waitForEvent('stopped');
		await launch(dc, { program: HELLO, stopOnEntry: true });
		await stopped;
		await assert.rejects(dc.evaluateRequest({ expression: 'eax +' }), /unexpected end of expression/);
		await assert.rejects(dc.evaluateRequest({ expression: 'nosuchthing' }), /unknown register or symbol 'nosuchthing'/);
		await assert.rejects(dc.variablesRequest({ variablesReference: 987654 }), /no variables with reference 987654/);
		await assert.rejects(dc.customRequest('ringside/translatedBlock', { id: 3 }), /no translated block with id 3/);
		await assert.rejects(dc.customRequest('ringside/noSuchThing'), /unknown request 'ringside\/noSuchThing'/);
		await assert.rejects(dc.setExceptionBreakpointsRequest({ filters: ['everything'] }), /unknown exception filter 'everything'/);
		const evaluated = await dc.evaluateRequest({ expression: 'start + 2 * 2' });
		assert.equal(evaluated.body.result, '0x00100024 (1048612)');
		const eax = await dc.evaluateRequest({ expression: 'eax' });
		assert.equal(eax.body.result, '0x2badb002 (732803074)');
	} finally {
		await close();
	}
});

test('trace echoes the DAP traffic to the debug console', async () => {
	const { dc, close } = await connect();
	try {
		const traced = dc.assertOutput('console', '[dap] ← launch {');
		const exited = dc.waitForEvent('exited');
		await launch(dc, { program: HELLO, trace: true, virtualization: 'trap-and-emulate' });
		await traced;
		assert.equal((await exited).body.exitCode, 1);
	} finally {
		await close();
	}
});
