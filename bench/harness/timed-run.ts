// Runs one engine as a child process and timestamps every line of its stdout
// (the guest's COM1) when it arrives. The harness does nothing else meanwhile,
// so the timestamp is as close to the guest's write as a pipe allows.

import { spawn } from 'node:child_process';

export interface TimedLine {
	text: string;
	/** Host time of arrival, nanoseconds on a monotonic clock. */
	atNs: bigint;
}

export interface TimedRun {
	lines: TimedLine[];
	exitCode: number | null;
	signal: NodeJS.Signals | null;
	stderr: string;
	timedOut: boolean;
	/** Set when the program could not be started at all. */
	spawnError?: string;
}

export interface Command {
	program: string;
	args: string[];
}

const STDERR_KEPT = 8192;

export function runTimed(command: Command, timeoutMs: number): Promise<TimedRun> {
	return new Promise((resolvePromise) => {
		const lines: TimedLine[] = [];
		let partial = '';
		let stderr = '';
		let timedOut = false;
		let spawnError: string | undefined;
		const child = spawn(command.program, command.args, { stdio: ['ignore', 'pipe', 'pipe'] });
		const timer = setTimeout(() => {
			timedOut = true;
			child.kill('SIGKILL');
		}, timeoutMs);
		child.stdout.setEncoding('latin1');
		child.stdout.on('data', (chunk: string) => {
			const atNs = process.hrtime.bigint();
			const pieces = (partial + chunk).split('\n');
			partial = pieces.pop() ?? '';
			for (const text of pieces) lines.push({ text: text.replace(/\r$/, ''), atNs });
		});
		child.stderr.setEncoding('utf8');
		child.stderr.on('data', (chunk: string) => {
			stderr = (stderr + chunk).slice(-STDERR_KEPT);
		});
		child.on('error', (error) => {
			spawnError = error.message;
		});
		child.on('close', (exitCode, signal) => {
			clearTimeout(timer);
			if (partial !== '') lines.push({ text: partial, atNs: process.hrtime.bigint() });
			resolvePromise({ lines, exitCode, signal, stderr, timedOut, spawnError });
		});
	});
}
