// From a path to a running-ready guest: read the file, assemble it when it is
// .asm, load it into a fresh PC, build the source map (assembler listing or
// DWARF), set the multiboot start state and put the monitor in charge. Every
// failure becomes a ProgramOpenError with a message a user can act on.

import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { dirname, extname, resolve } from 'node:path';
import { assemble, type AssemblyDiagnostic } from '../asm/index';
import { Pc } from '../machine/pc';
import { loadProgram, type LoadedProgram } from '../machine/loaders/load-program';
import { ProgramLoadError } from '../machine/loaders/program-load-error';
import { enterMultibootState } from '../machine/loaders/multiboot-state';
import { writeMultibootInfo } from '../machine/loaders/multiboot-info';
import { Monitor } from '../vmm/monitor';
import type { Virtualization } from './launch-config';
import type { GuestMachine } from './guest-machine';
import { MonitorGuestMachine } from './monitor-machine';

export class ProgramOpenError extends Error {
	constructor(message: string, readonly diagnostics: readonly AssemblyDiagnostic[] = []) {
		super(message);
	}
}

export interface ProgramSpec {
	program: string;
	virtualization: Virtualization;
	memoryMiB: number;
}

async function readProgram(path: string): Promise<Uint8Array> {
	try {
		return await readFile(path);
	} catch (error) {
		const code = (error as NodeJS.ErrnoException).code;
		const why = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'it is a directory' : code === 'EACCES' ? 'permission denied' : (error as Error).message;
		throw new ProgramOpenError(`cannot read the program ${path}: ${why}`);
	}
}

/** The assembler's diagnostics, one per line, as `file:line:column: message`. */
export function formatDiagnostics(diagnostics: readonly AssemblyDiagnostic[]): string {
	return diagnostics.map((d) => `${d.file}:${d.line}:${d.column}: ${d.message}`).join('\n');
}

export async function openProgram(spec: ProgramSpec): Promise<GuestMachine> {
	const path = resolve(spec.program);
	const bytes = await readProgram(path);
	const pc = new Pc({ memoryMiB: spec.memoryMiB });
	let program: LoadedProgram;
	try {
		if (extname(path).toLowerCase() === '.asm') {
			const result = assemble(Buffer.from(bytes).toString('utf8'), { file: path, readFile: (included) => readFileSync(included, 'utf8') });
			if (!result.ok || result.errors.length > 0) {
				const { errors } = result;
				throw new ProgramOpenError(`${path} has ${errors.length} assembly error${errors.length === 1 ? '' : 's'}:\n${formatDiagnostics(errors)}`, errors);
			}
			program = loadProgram(pc, { image: result.image, origin: result.origin, symbols: result.symbols, sourceMap: result.sourceMap }, 'assembled');
		} else {
			program = loadProgram(pc, bytes, undefined, { directory: dirname(path) });
		}
	} catch (error) {
		if (error instanceof ProgramOpenError) throw error;
		if (error instanceof ProgramLoadError) {
			throw new ProgramOpenError(`cannot load ${path}: ${error.message}`);
		}
		throw error;
	}
	enterMultibootState(pc.cpu, program.entry, writeMultibootInfo(pc.memory, '', program.ranges));
	const monitor = new Monitor(pc, { mode: spec.virtualization });
	return new MonitorGuestMachine(pc, monitor, spec.virtualization, { sourceMap: program.sourceMap, symbols: program.symbols });
}
