// A guest the monitor cannot virtualize (it maps every 4 MiB slot, so the
// monitor's region has nowhere to go) stops the session with the monitor's
// own explanation instead of an internal error; continuing ends it.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { resolve } from 'node:path';
import type { DebugProtocol } from '@vscode/debugprotocol';
import { connect, launch } from './dap-harness';

const ALL_SLOTS_MAPPED = resolve(__dirname, 'guests/all-slots-mapped.asm');

test('a guest mapping every slot stops with the monitor\'s message; continuing ends the session', async () => {
	const { dc, close } = await connect();
	try {
		const stopped = dc.waitForEvent('stopped');
		const explained = dc.assertOutput('console', 'Unsupported guest: the guest\'s page directory (CR3 0x00200000) maps all 1024 slots of 4 MiB');
		await launch(dc, { program: ALL_SLOTS_MAPPED, virtualization: 'binary-translation' });
		const event = (await stopped) as DebugProtocol.StoppedEvent;
		assert.equal(event.body.reason, 'pause');
		assert.match(event.body.description ?? '', /^Unsupported guest: .*no free slot to move its shadow GDT, IDT and TSS to.*Continuing ends the session\.$/);
		assert.doesNotMatch(event.body.description ?? '', /Internal error/);
		await explained;
		const frames = await dc.stackTraceRequest({ threadId: 1 });
		assert.ok(frames.body.stackFrames.length > 0, 'the state at the stop can be inspected');
		const printed: string[] = [];
		dc.on('output', (e: DebugProtocol.OutputEvent) => {
			if (e.body.category === 'console') printed.push(e.body.output);
		});
		const terminated = dc.waitForEvent('terminated');
		await dc.continueRequest({ threadId: 1 });
		await terminated;
		assert.match(printed.join(''), /^Unsupported guest: .*maps all 1024 slots.*The session ends\.\n$/);
	} finally {
		await close();
	}
});
