import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import type { DebugProtocol } from '@vscode/debugprotocol';
import { connect, launch, lineOf, variables, DEMO, HELLO, SERIAL_INC } from './dap-harness';

const hello = readFileSync(HELLO, 'utf8');
const demo = readFileSync(DEMO, 'utf8');
const serial = readFileSync(SERIAL_INC, 'utf8');

test('source breakpoints are verified, moved to the next line with code, or refused with a reason', async () => {
	const { dc, close } = await connect();
	try {
		const comment = lineOf(hello, /^\t; a comment between instructions/);
		const code = lineOf(hello, /^\tcall print/);
		let response: DebugProtocol.SetBreakpointsResponse | undefined;
		const entry = dc.waitForEvent('stopped');
		await launch(dc, { program: HELLO, stopOnEntry: true }, async () => {
			response = await dc.setBreakpointsRequest({
				source: { path: HELLO },
				breakpoints: [{ line: code }, { line: comment }, { line: 10_000 }, { line: code, hitCondition: 'sometimes' }],
			});
		});
		const [exact, moved, beyond, badHit] = response!.body.breakpoints;
		assert.deepEqual([exact.verified, exact.line], [true, code]);
		assert.deepEqual([moved.verified, moved.line], [true, comment + 1]);
		assert.match(moved.message ?? '', /moved from line \d+ to line \d+/);
		assert.equal(beyond.verified, false);
		assert.match(beyond.message ?? '', /no code at or after line 10000/);
		assert.equal(badHit.verified, false);

		const other = await dc.setBreakpointsRequest({ source: { path: '/elsewhere/other.asm' }, breakpoints: [{ line: 3 }] });
		assert.match(other.body.breakpoints[0].message ?? '', /not part of the loaded program/);

		// Only the moved one and the exact one are active now; the moved one comes first.
		await entry;
		await dc.setBreakpointsRequest({ source: { path: HELLO }, breakpoints: [{ line: comment }, { line: code }] });
		for (const line of [comment + 1, code]) {
			const stopped = dc.waitForEvent('stopped');
			await dc.continueRequest({ threadId: 1 });
			assert.equal((await stopped).body.reason, 'breakpoint');
			const frames = await dc.stackTraceRequest({ threadId: 1 });
			assert.equal(frames.body.stackFrames[0].line, line);
		}
	} finally {
		await close();
	}
});

test('a privileged exception breakpoint stops at the lgdt line; Registers show virtual CPL 0, Monitor real CPL 1', async () => {
	const { dc, close } = await connect();
	try {
		const stopped = dc.waitForEvent('stopped');
		await launch(dc, { program: DEMO }, () => dc.setExceptionBreakpointsRequest({ filters: ['privileged', 'triple-fault'] }));
		const event = (await stopped) as DebugProtocol.StoppedEvent;
		assert.equal(event.body.reason, 'exception');
		assert.equal(event.body.text, 'privileged');
		assert.match(event.body.description ?? '', /^Privileged instruction lgdt .*; the monitor will emulate it/);
		const frames = await dc.stackTraceRequest({ threadId: 1 });
		assert.equal(frames.body.stackFrames[0].line, lineOf(demo, /^\tlgdt \[gdt_descriptor\]/));
		assert.match(frames.body.stackFrames[0].name, /\[ring 0 \(real 1\), (translated|monitor)\]$/);

		const info = await dc.exceptionInfoRequest({ threadId: 1 });
		assert.equal(info.body.exceptionId, 'privileged');
		assert.equal(info.body.details?.typeName, 'privileged');
		assert.match(info.body.details?.evaluateName ?? '', /^lgdt /);

		const registers = await variables(dc, 'Registers');
		assert.equal(registers.get('virtual CPL')?.value, '0');
		assert.match(registers.get('eflags')?.value ?? '', /IOPL=0/);
		const monitor = await variables(dc, 'Monitor');
		assert.equal(monitor.get('real CPL')?.value, '1');
		assert.equal(monitor.get('virtualization')?.value, 'binary-translation');
	} finally {
		await close();
	}
});

test('the translation cache and a translated block are served to the views', async () => {
	const { dc, close } = await connect();
	try {
		const stopped = dc.waitForEvent('stopped');
		await launch(dc, { program: DEMO }, () => dc.setExceptionBreakpointsRequest({ filters: ['privileged'] }));
		await stopped;
		const cache = await dc.customRequest('ringside/translationCache');
		const blocks = (cache.body as { blocks: Array<{ id: number; rewritten: number; line?: number }> }).blocks;
		assert.ok(blocks.length > 0);
		const withCallouts = blocks.find((b) => b.rewritten > 0)!;
		const block = await dc.customRequest('ringside/translatedBlock', { id: withCallouts.id });
		const body = block.body as { guest: Array<{ class: string }>; translation: Array<{ kind: string }> };
		assert.ok(body.guest.some((g) => g.class !== 'innocuous'));
		assert.ok(body.translation.some((t) => t.kind === 'callout'));
	} finally {
		await close();
	}
});

test('stepping by line steps over calls; by instruction moves one instruction; registers can be set', async () => {
	const { dc, close } = await connect();
	try {
		const callPrint = lineOf(hello, /^\tcall print/);
		const afterCall = lineOf(hello, /^\tmov dx, 0xf4/);
		let stopped = dc.waitForEvent('stopped');
		await launch(dc, { program: HELLO }, () => dc.setBreakpointsRequest({ source: { path: HELLO }, breakpoints: [{ line: callPrint }] }));
		assert.equal((await stopped).body.reason, 'breakpoint');

		const output = dc.assertOutput('stdout', 'hello from ringside\n');
		stopped = dc.waitForEvent('stopped');
		await dc.nextRequest({ threadId: 1 });
		assert.equal((await stopped).body.reason, 'step');
		await output;
		let frames = await dc.stackTraceRequest({ threadId: 1 });
		assert.equal(frames.body.stackFrames[0].line, afterCall);

		const before = frames.body.stackFrames[0].instructionPointerReference!;
		stopped = dc.waitForEvent('stopped');
		await dc.nextRequest({ threadId: 1, granularity: 'instruction' });
		await stopped;
		frames = await dc.stackTraceRequest({ threadId: 1 });
		// mov dx, imm16 is four bytes long.
		assert.equal(Number(frames.body.stackFrames[0].instructionPointerReference) - Number(before), 4);

		const regs = await dc.scopesRequest({ frameId: 0 });
		const ref = regs.body.scopes[0].variablesReference;
		const set = await dc.setVariableRequest({ variablesReference: ref, name: 'eax', value: '0x1234 + 1' });
		assert.equal(set.body.value, '0x00001235');
		assert.equal((await dc.evaluateRequest({ expression: 'eax' })).body.result, '0x00001235 (4661)');
		await assert.rejects(dc.setVariableRequest({ variablesReference: ref, name: 'virtual CPL', value: '3' }), /read-only/);

		const disassembly = await dc.disassembleRequest({ memoryReference: before, instructionCount: 3 });
		assert.deepEqual(disassembly.body!.instructions.map((i) => i.instruction), ['mov dx, 0xf4', 'xor al, al', 'out dx, al']);
		assert.equal(disassembly.body!.instructions[0].line, afterCall);

		const exited = dc.waitForEvent('exited');
		await dc.continueRequest({ threadId: 1 });
		assert.equal((await exited).body.exitCode, 1);
	} finally {
		await close();
	}
});

test('conditional breakpoints with hit counts stop only where both hold', async () => {
	const { dc, close } = await connect();
	try {
		// putc's `out dx, al`, in the included library file, sends each character.
		const send = lineOf(serial, /^\tout dx, al$/, 2);
		let stopped = dc.waitForEvent('stopped');
		let response: DebugProtocol.SetBreakpointsResponse | undefined;
		await launch(dc, { program: HELLO }, async () => {
			response = await dc.setBreakpointsRequest({ source: { path: SERIAL_INC }, breakpoints: [{ line: send, condition: '(eax & 0xff) == 0x6c', hitCondition: '2' }] });
		});
		assert.equal(response!.body.breakpoints[0].verified, true);
		assert.equal((await stopped).body.reason, 'breakpoint');
		// The second 'l' of "hello": lodsb has moved ESI past it.
		assert.equal((await dc.evaluateRequest({ expression: 'esi - message' })).body.result, '0x00000004 (4)');
		assert.equal((await dc.evaluateRequest({ expression: 'eax & 0xff' })).body.result, '0x0000006c (108)');
		const exited = dc.waitForEvent('exited');
		await dc.continueRequest({ threadId: 1 });
		assert.equal((await exited).body.exitCode, 1);

		const bad = await dc.setBreakpointsRequest({ source: { path: SERIAL_INC }, breakpoints: [{ line: send, condition: 'eax ==' }] }).catch((e: Error) => e);
		assert.ok(bad instanceof Error, 'the guest has ended: requests that need it fail');
	} finally {
		await close();
	}
});

test('under trap-and-emulate the sensitive filter stops at a hole: the far jmp after lgdt', async () => {
	const { dc, close } = await connect();
	try {
		const stopped = dc.waitForEvent('stopped');
		const status: DebugProtocol.Event[] = [];
		dc.on('ringside/status', (e: DebugProtocol.Event) => status.push(e));
		await launch(dc, { program: DEMO, virtualization: 'trap-and-emulate' }, () => dc.setExceptionBreakpointsRequest({ filters: ['sensitive'] }));
		const event = (await stopped) as DebugProtocol.StoppedEvent;
		assert.equal(event.body.text, 'sensitive');
		assert.match(event.body.description ?? '', /^Sensitive instruction jmp .* runs unprivileged at real ring 1 without trapping/);
		const frames = await dc.stackTraceRequest({ threadId: 1 });
		assert.equal(frames.body.stackFrames[0].line, lineOf(demo, /^\tjmp KERNEL_CS:reload_segments/));
		assert.match(frames.body.stackFrames[0].name, /\[ring 0 \(real 1\), direct\]$/);
		const info = await dc.exceptionInfoRequest({ threadId: 1 });
		assert.equal(info.body.details?.typeName, 'sensitive');
		assert.deepEqual(status.at(-1)?.body, { virtualRing: 0, realRing: 1, executionMode: 'direct', virtualization: 'trap-and-emulate' });
	} finally {
		await close();
	}
});

test('the guest-exception filter names the faulting instruction, and a page fault its CR2', async () => {
	const { dc, close } = await connect();
	try {
		let stopped = dc.waitForEvent('stopped');
		await launch(dc, { program: DEMO }, () => dc.setExceptionBreakpointsRequest({ filters: ['guest-exception'] }));
		await stopped;
		let info = await dc.exceptionInfoRequest({ threadId: 1 });
		assert.match(info.body.details?.stackTrace ?? '', /^div ecx at 0x[0-9a-f]{8} \[guest-exception\]\n.*\nvector 0x0$/);
		stopped = dc.waitForEvent('stopped');
		await dc.continueRequest({ threadId: 1 });
		await stopped;
		info = await dc.exceptionInfoRequest({ threadId: 1 });
		assert.match(info.body.details?.stackTrace ?? '', /^mov dword \[0x300000\], 0x12345678 at 0x[0-9a-f]{8} \[guest-exception\]\n.*\nvector 0xe, errorCode 0x2, cr2 0x300000$/);
	} finally {
		await close();
	}
});
