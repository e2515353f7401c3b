// Starts the real adapter in-process on a free TCP port and connects a
// DebugClient to it, as a DAP client (VS Code or another) would.

import type { Server } from 'node:net';
import { resolve } from 'node:path';
import { DebugClient } from '@vscode/debugadapter-testsupport';
import type { DebugProtocol } from '@vscode/debugprotocol';
import { startAdapterServer } from '../../src/debug/adapter-server';

export const EXAMPLES = resolve(__dirname, '../../examples');
/** The tests' own guest, so editing an example never moves the lines they look for. */
export const HELLO = resolve(__dirname, 'guests/stepping.asm');
export const SERIAL_INC = resolve(EXAMPLES, 'lib/serial.inc');
export const DEMO = resolve(EXAMPLES, 'demo/kernel.asm');
export const LOOP_FOREVER = resolve(EXAMPLES, 'tests/loop-forever.asm');

export interface Harness {
	dc: DebugClient;
	close(): Promise<void>;
}

export async function connect(): Promise<Harness> {
	const { server, port } = await startAdapterServer(0);
	const dc = new DebugClient('node', 'unused', 'ringside');
	dc.defaultTimeout = 8000;
	await dc.start(port);
	// DebugClient drops its timeouts when connected to a port (it assumes someone is
	// debugging the tests); put them back so a missing event fails instead of hanging.
	const waitForEvent = dc.waitForEvent.bind(dc);
	dc.waitForEvent = (type, timeout = dc.defaultTimeout) => withTimeout(waitForEvent(type), timeout, `no event '${type}' received after ${timeout} ms`);
	const assertOutput = dc.assertOutput.bind(dc);
	dc.assertOutput = (category, expected, timeout = dc.defaultTimeout) => withTimeout(assertOutput(category, expected), timeout, `no ${category} output '${expected}' after ${timeout} ms`);
	return {
		dc,
		close: async () => {
			await dc.stop().catch(() => undefined);
			await new Promise<void>((done) => (server as Server).close(() => done()));
		},
	};
}

function withTimeout<T>(promise: Promise<T>, ms: number, message: string): Promise<T> {
	let timer: NodeJS.Timeout | undefined;
	const expired = new Promise<never>((_, reject) => { timer = setTimeout(() => reject(new Error(message)), ms); });
	return Promise.race([promise, expired]).finally(() => clearTimeout(timer));
}

/** initialize, launch, configure (breakpoints via `configure`), configurationDone; resolves once configured. */
export async function launch(dc: DebugClient, args: Record<string, unknown>, configure?: () => Promise<unknown>): Promise<void> {
	await dc.initializeRequest({ adapterID: 'ringside', linesStartAt1: true, columnsStartAt1: true, pathFormat: 'path' });
	const initialized = dc.waitForEvent('initialized');
	await dc.launchRequest(args as DebugProtocol.LaunchRequestArguments);
	await initialized;
	if (configure) await configure();
	await dc.configurationDoneRequest();
}

export async function variables(dc: DebugClient, scopeName: string): Promise<Map<string, DebugProtocol.Variable>> {
	const frames = await dc.stackTraceRequest({ threadId: 1 });
	const scopes = await dc.scopesRequest({ frameId: frames.body.stackFrames[0].id });
	const scope = scopes.body.scopes.find((s) => s.name === scopeName);
	if (!scope) throw new Error(`no scope ${scopeName}`);
	const vars = await dc.variablesRequest({ variablesReference: scope.variablesReference });
	return new Map(vars.body.variables.map((v) => [v.name, v]));
}

/** The 1-based number of the `occurrence`th line of `text` that matches. */
export function lineOf(text: string, pattern: RegExp, occurrence = 1): number {
	const matches = text.split('\n').flatMap((line, index) => (pattern.test(line) ? [index + 1] : []));
	if (matches.length < occurrence) throw new Error(`fewer than ${occurrence} lines match ${pattern}`);
	return matches[occurrence - 1];
}
