import { test } from 'node:test';
import assert from 'node:assert/strict';
import { resolve } from 'node:path';
import { DebugClient } from '@vscode/debugadapter-testsupport';
import type { DebugProtocol } from '@vscode/debugprotocol';
import { connect, launch, EXAMPLES, HELLO, SERIAL_INC } from './dap-harness';

test('the adapter executable speaks DAP on stdio', async () => {
	const dc = new DebugClient(process.execPath, resolve(__dirname, '../../src/debug/adapter-main.ts'), 'ringside', {
		env: { ...process.env, NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ''} --import tsx` },
	});
	dc.defaultTimeout = 10_000;
	await dc.start();
	try {
		const output = dc.assertOutput('stdout', 'hello from ringside\n');
		const exited = dc.waitForEvent('exited');
		await launch(dc, { program: HELLO });
		await output;
		assert.equal((await exited).body.exitCode, 1);
	} finally {
		await dc.stop();
	}
});

test('a triple fault stops with the triple-fault filter; continuing ends the session with a message', async () => {
	const { dc, close } = await connect();
	try {
		const stopped = dc.waitForEvent('stopped');
		await launch(dc, { program: resolve(EXAMPLES, 'tests/triple-fault.asm') });
		const event = (await stopped) as DebugProtocol.StoppedEvent;
		assert.equal(event.body.reason, 'exception');
		assert.equal(event.body.text, 'triple-fault');
		assert.match(event.body.description ?? '', /triple fault/i);
		const info = await dc.exceptionInfoRequest({ threadId: 1 });
		assert.equal(info.body.exceptionId, 'triple-fault');
		const message = dc.assertOutput('console', 'The guest triple-faulted');
		const terminated = dc.waitForEvent('terminated');
		await dc.continueRequest({ threadId: 1 });
		await message;
		await terminated;
	} finally {
		await close();
	}
});

test('a guest that halts forever stops with a clear message; continuing ends the session', async () => {
	const { dc, close } = await connect();
	try {
		const stopped = dc.waitForEvent('stopped');
		const explained = dc.assertOutput('console', 'The guest halted (HLT) with nothing that can wake it');
		await launch(dc, { program: resolve(EXAMPLES, 'tests/halt-forever.asm') });
		const event = (await stopped) as DebugProtocol.StoppedEvent;
		assert.equal(event.body.reason, 'pause');
		assert.match(event.body.description ?? '', /halted \(HLT\) with nothing that can wake it/);
		await explained;
		const terminated = dc.waitForEvent('terminated');
		await dc.continueRequest({ threadId: 1 });
		await terminated;
	} finally {
		await close();
	}
});

test('step out returns to the caller; readMemory, Descriptor Tables and monitor events are served', async () => {
	const { dc, close } = await connect();
	try {
		const events: DebugProtocol.Event[] = [];
		dc.on('ringside/monitorEvents', (e: DebugProtocol.Event) => events.push(e));
		let stopped = dc.waitForEvent('stopped');
		await launch(dc, { program: HELLO }, () => dc.customRequest('setInstructionBreakpoints', { breakpoints: [{ instructionReference: 'print' }] }));
		assert.equal((await stopped).body.reason, 'breakpoint');
		let frames = await dc.stackTraceRequest({ threadId: 1 });
		assert.match(frames.body.stackFrames[0].name, /^print \[/);

		// print loops back to its own label for every character: drop the breakpoint first.
		await dc.customRequest('setInstructionBreakpoints', { breakpoints: [] });
		stopped = dc.waitForEvent('stopped');
		await dc.stepOutRequest({ threadId: 1 });
		assert.equal((await stopped).body.reason, 'step');
		frames = await dc.stackTraceRequest({ threadId: 1 });
		assert.match(frames.body.stackFrames[0].name, /^start\+0x[0-9a-f]+ \[/);
		// The caller's next instruction: `mov dx, DEBUG_EXIT`.
		const next = await dc.disassembleRequest({ memoryReference: frames.body.stackFrames[0].instructionPointerReference!, instructionCount: 1 });
		assert.equal(next.body!.instructions[0].instruction, 'mov dx, 0xf4');

		// Around `print`: what precedes it is decoded from the previous symbol, so the reference keeps its index.
		const print = (await dc.evaluateRequest({ expression: 'print' })).body.result.split(' ')[0];
		const around = await dc.disassembleRequest({ memoryReference: print, instructionOffset: -3, instructionCount: 6 });
		const listed = around.body!.instructions;
		assert.equal(listed.length, 6);
		assert.deepEqual([listed[3].address, listed[3].symbol, listed[3].instruction], [print, 'print', 'push eax']);
		assert.deepEqual(listed.slice(0, 3).map((i) => i.instruction), ['out dx, al', 'pop edx', 'ret']);

		// The multiboot header magic, little-endian, at the start of the image.
		const memory = await dc.customRequest('readMemory', { memoryReference: '0x100000', count: 4 });
		assert.equal(Buffer.from((memory.body as { data: string }).data, 'base64').toString('hex'), '02b0ad1b');

		const scopes = await dc.scopesRequest({ frameId: 0 });
		assert.deepEqual(scopes.body.scopes.map((s) => s.name), ['Registers', 'Monitor', 'Descriptor Tables']);
		const tables = await dc.variablesRequest({ variablesReference: scopes.body.scopes[2].variablesReference });
		assert.deepEqual(tables.body.variables.map((v) => v.name), ['GDT', 'IDT']);

		assert.ok(events.length > 0, 'monitor events are sent at every stop');
		const all = events.flatMap((e) => (e.body as { events: Array<{ kind: string; line?: number; source?: { path: string } }> }).events);
		const io = all.find((e) => e.kind === 'io');
		assert.ok(io, 'the UART accesses are reported');
		assert.equal(io.source?.path, SERIAL_INC, 'the UART is driven from the included library file');
		assert.equal(typeof io.line, 'number');
	} finally {
		await close();
	}
});
