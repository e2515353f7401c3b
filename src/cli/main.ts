// `ringside run`: the guest on a terminal. Serial output to stdout as it is
// written, stdin to COM1, the guest's exit code as ours; Ringside's own
// failures exit with the even codes listed in --help.

import { version } from '../../package.json';
import { GuestRuntime, type StopInfo } from '../debug/guest-runtime';
import { openProgram, ProgramOpenError } from '../debug/program-loader';
import { HELP, parseArgs, UsageError, type RunCommand } from './args';
import { ExitCode } from './exit-codes';
import { RunStatistics } from './stats';

function finish(code: number): void {
	// Let stdout drain (a pipe may be slow) before leaving.
	process.stdout.write('', () => process.exit(code));
}

async function run(command: RunCommand): Promise<void> {
	let runtime: GuestRuntime;
	try {
		const machine = await openProgram({ program: command.program, virtualization: command.virtualization, memoryMiB: command.memoryMiB });
		runtime = new GuestRuntime(machine, { observeEvents: command.stats, maxInstructions: command.maxInstructions });
	} catch (error) {
		if (error instanceof ProgramOpenError) {
			process.stderr.write(`ringside: ${error.message}\n`);
			return finish(ExitCode.CannotLoad);
		}
		throw error;
	}
	const statistics = new RunStatistics();
	if (command.stats) runtime.machine.events.subscribe((event) => statistics.record(event));
	const report = (): void => {
		if (command.stats) process.stderr.write(statistics.format(runtime.machine.instructionCount, runtime.machine.hardware().cache.rewritten, runtime.machine.hardware().shadowPaging));
	};

	runtime.on('output', (text) => process.stdout.write(Buffer.from(text, 'latin1')));
	runtime.on('exited', (code) => { report(); finish(code); });
	runtime.on('ended', (message) => { report(); process.stderr.write(`ringside: ${message}\n`); finish(ExitCode.Internal); });
	runtime.on('stopped', (info: StopInfo) => {
		report();
		const eip = `0x${(runtime.machine.guest().eip >>> 0).toString(16).padStart(8, '0')}`;
		switch (info.reason) {
			case 'exception': {
				const vector = info.event?.detail?.vector;
				const cause = vector === undefined ? '' : ` while delivering vector ${vector}`;
				process.stderr.write(`ringside: triple fault at EIP ${eip}${cause}: ${info.event?.action ?? 'the guest could not deliver a double fault'}\n`);
				return finish(ExitCode.TripleFault);
			}
			case 'idle':
				process.stderr.write(`ringside: the guest halted at EIP ${eip} with nothing to wake it (interrupts disabled or no device armed)\n`);
				return finish(ExitCode.HaltedForever);
			case 'unsupported':
				process.stderr.write(`ringside: unsupported guest at EIP ${eip}: ${info.monitorMessage ?? 'the monitor cannot virtualize it'}\n`);
				return finish(ExitCode.UnsupportedGuest);
			case 'limit':
				process.stderr.write(`ringside: stopped after ${command.maxInstructions} instructions (--max-instructions) at EIP ${eip}\n`);
				return finish(ExitCode.InstructionLimit);
			default:
				process.stderr.write(`ringside: the guest stopped unexpectedly (${info.reason}) at EIP ${eip}\n`);
				return finish(ExitCode.Internal);
		}
	});

	// COM1 input: whatever arrives on stdin, whenever it arrives; a closed or
	// absent stdin simply never delivers anything.
	process.stdin.on('data', (chunk: Buffer) => runtime.serialInput(chunk));
	process.stdin.on('error', () => undefined);
	runtime.continue();
}

async function main(argv: readonly string[]): Promise<void> {
	let command;
	try {
		command = parseArgs(argv);
	} catch (error) {
		if (!(error instanceof UsageError)) throw error;
		process.stderr.write(`ringside: ${error.message}\n\n${HELP}`);
		return finish(ExitCode.Usage);
	}
	switch (command.command) {
		case 'help':
			process.stdout.write(HELP);
			return finish(0);
		case 'version':
			process.stdout.write(`ringside ${version}\n`);
			return finish(0);
		case 'run':
			return run(command);
	}
}

main(process.argv.slice(2)).catch((error: unknown) => {
	process.stderr.write(`ringside: internal error: ${error instanceof Error ? error.stack ?? error.message : String(error)}\n`);
	finish(ExitCode.Internal);
});
