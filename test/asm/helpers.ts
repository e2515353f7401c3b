import { assemble } from '../../src/asm';
import type { AssemblyResult } from '../../src/asm';

export const FILE = '/guest/main.asm';

/** Assembles `source` as /guest/main.asm; `files` are what %include can read. */
export function asm(source: string, files: Record<string, string> = {}): AssemblyResult {
	return assemble(source, {
		file: FILE,
		readFile: (path) => {
			if (path in files) return files[path];
			throw new Error(`no such file ${path}`);
		},
	});
}

export const hex = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex');

/** The image of a source that must assemble cleanly. */
export function bytesOf(source: string, files: Record<string, string> = {}): string {
	const r = asm(source, files);
	if (!r.ok) throw new Error(r.errors.map((e) => `${e.line}:${e.column} ${e.message}`).join('\n'));
	return hex(r.image);
}
