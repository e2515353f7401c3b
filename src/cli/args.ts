// The command line of `ringside`: parsed into a request, or a usage error that
// says what was wrong.

import { isVirtualization, parseMemoryMiB, DEFAULT_MEMORY_MIB, VIRTUALIZATIONS, type Virtualization } from '../debug/launch-config';

export interface RunCommand {
	command: 'run';
	program: string;
	virtualization: Virtualization;
	memoryMiB: number;
	stats: boolean;
	maxInstructions?: number;
}

export type CliCommand = RunCommand | { command: 'help' } | { command: 'version' };

export class UsageError extends Error {}

export const HELP = `Usage: ringside run <program> [options]
       ringside --help | --version

Runs an x86 guest kernel under Ringside's virtual machine monitor. The program is a
NASM-syntax .asm file (assembled first), an ELF32 multiboot kernel, or a flat binary.
The guest's COM1 output goes to stdout as it is written; stdin is fed to COM1.

Options:
  --virtualization MODE   ${VIRTUALIZATIONS.join(' | ')} (default binary-translation)
  --memory MiB            guest RAM, 1..1024 (default ${DEFAULT_MEMORY_MIB})
  --stats                 print a summary of the monitor's work on stderr at the end
  --max-instructions N    stop after N guest instructions
  -h, --help              this text
  -v, --version           the version

Exit status:
  odd       the guest's own: it wrote V to port 0xF4, the status is (V << 1) | 1
  2         usage error
  4         the program cannot be loaded (assembly errors as file:line:column: message)
  6         triple fault (the message gives the vector and EIP)
  8         the guest halted with nothing to wake it
  10        --max-instructions reached
  12        internal error
  14        the monitor cannot virtualize what the guest did (the message says what)
`;

function positiveInteger(value: string, option: string): number {
	if (!/^\d+$/.test(value) || Number(value) < 1 || !Number.isSafeInteger(Number(value))) throw new UsageError(`${option} needs a positive whole number (got '${value}')`);
	return Number(value);
}

export function parseArgs(argv: readonly string[]): CliCommand {
	if (argv.length === 0) throw new UsageError('no command given');
	if (argv.includes('-h') || argv.includes('--help')) return { command: 'help' };
	if (argv.includes('-v') || argv.includes('--version')) return { command: 'version' };
	const [command, ...rest] = argv;
	if (command !== 'run') throw new UsageError(`unknown command '${command}'`);
	let program: string | undefined;
	let virtualization: Virtualization = 'binary-translation';
	let memoryMiB = DEFAULT_MEMORY_MIB;
	let stats = false;
	let maxInstructions: number | undefined;
	for (let i = 0; i < rest.length; i++) {
		const arg = rest[i];
		const eq = arg.indexOf('=');
		const [name, inline] = arg.startsWith('--') && eq > 0 ? [arg.slice(0, eq), arg.slice(eq + 1)] : [arg, undefined];
		const value = (): string => {
			if (inline !== undefined) return inline;
			const next = rest[++i];
			if (next === undefined) throw new UsageError(`${name} needs a value`);
			return next;
		};
		switch (name) {
			case '--virtualization': {
				const mode = value();
				if (!isVirtualization(mode)) throw new UsageError(`--virtualization must be one of ${VIRTUALIZATIONS.join(', ')} (got '${mode}')`);
				virtualization = mode;
				break;
			}
			case '--memory':
				try {
					memoryMiB = parseMemoryMiB(value(), '--memory');
				} catch (error) {
					throw new UsageError((error as Error).message);
				}
				break;
			case '--stats':
				if (inline !== undefined) throw new UsageError('--stats takes no value');
				stats = true;
				break;
			case '--max-instructions':
				maxInstructions = positiveInteger(value(), '--max-instructions');
				break;
			default:
				if (arg.startsWith('-')) throw new UsageError(`unknown option '${arg}'`);
				if (program !== undefined) throw new UsageError(`only one program can be run (got '${program}' and '${arg}')`);
				program = arg;
		}
	}
	if (program === undefined) throw new UsageError('run needs a program: ringside run <program>');
	return { command: 'run', program, virtualization, memoryMiB, stats, maxInstructions };
}
