// The benchmark guest as each engine needs it: a copy of nanobench.asm with the
// iteration counts of this run in its %define lines (Ringside's CLI assembles
// .asm itself, and its loader gives the assembler no file access, so a wrapper
// that %includes the guest is not an option), and a flat binary of it for QEMU
// and v86, made by nasm when it is installed and by Ringside's assembler otherwise.

import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { assemble } from '../../src/asm';
import { PHASES } from './phases';

export const GUEST_SOURCE = resolve(__dirname, '..', 'nanobench.asm');

export type IterationCounts = ReadonlyMap<string, number>;

/** The largest count `mov ecx, N` + `dec ecx; jnz` can run without wrapping. */
export const MAX_COUNT = 0x7FFF_FFFF;

/** `%define N_NAME value` with an optional comment: the lines a run rewrites. */
const COUNT_DEFINE = /^(?<head>\s*%define\s+)(?<name>N_\w+)(?<gap>\s+)(?<value>\S+)(?<tail>\s*(;.*)?)$/;

function checkedCount(name: string, value: number, where: string): number {
	if (!Number.isSafeInteger(value) || value < 1 || value > MAX_COUNT) throw new Error(`${where}: ${name} must be a whole number from 1 to ${MAX_COUNT} (got ${value})`);
	return value;
}

/** The default count of every phase, from the `%define N_... value` lines of the guest. */
export function readDefaultCounts(source: string, file = GUEST_SOURCE): Map<string, number> {
	const counts = new Map<string, number>();
	source.split('\n').forEach((text, index) => {
		const groups = COUNT_DEFINE.exec(text)?.groups;
		if (groups) counts.set(groups.name, checkedCount(groups.name, Number(groups.value), `${file}:${index + 1}`));
	});
	for (const phase of PHASES) {
		if (!counts.has(phase.countDefine)) throw new Error(`${file}: no '%define ${phase.countDefine} <count>' for phase ${phase.number} (${phase.label})`);
	}
	return counts;
}

/** The guest source with every count given in `counts` put in place of its default. */
export function withCounts(source: string, counts: IterationCounts): string {
	const unused = new Set(counts.keys());
	const text = source.split('\n').map((line) => {
		const groups = COUNT_DEFINE.exec(line)?.groups;
		const value = groups && counts.get(groups.name);
		if (!groups || value === undefined) return line;
		unused.delete(groups.name);
		return `${groups.head}${groups.name}${groups.gap}${checkedCount(groups.name, value, 'iteration count')}${groups.tail}`;
	}).join('\n');
	if (unused.size > 0) throw new Error(`the guest has no %define for ${[...unused].join(', ')}`);
	return text;
}

/** Writes `<directory>/<name>.asm`: the guest with these counts. */
export function writeGuestVariant(directory: string, name: string, counts: IterationCounts): string {
	const path = join(directory, `${name}.asm`);
	writeFileSync(path, withCounts(readFileSync(GUEST_SOURCE, 'utf8'), counts));
	return path;
}

export type Assembler = 'nasm' | 'ringside';

export function nasmAvailable(): boolean {
	return spawnSync('nasm', ['-v'], { stdio: 'ignore' }).status === 0;
}

/** Assembles `source` into the flat binary `output`; a failure names file:line. */
export function assembleFlat(source: string, output: string, assembler: Assembler): void {
	if (assembler === 'nasm') {
		const result = spawnSync('nasm', ['-f', 'bin', source, '-o', output], { encoding: 'utf8' });
		if (result.status !== 0) throw new Error(`nasm could not assemble ${source}:\n${result.stderr || result.error?.message}`);
		return;
	}
	const result = assemble(readFileSync(source, 'utf8'), { file: source, readFile: (path) => readFileSync(path, 'utf8') });
	if (!result.ok) {
		const messages = result.errors.map((d) => `${d.file}:${d.line}:${d.column}: ${d.message}`);
		throw new Error(`Ringside's assembler could not assemble ${source}:\n${messages.join('\n')}`);
	}
	writeFileSync(output, result.image);
}
