// Differential runs: a batch of sequences as one guest on QEMU and on
// Ringside, compared line by line; the first mismatch is minimised by
// dropping units while the two machines still disagree.

import { analyse, ARITH, flagNames } from './flag-rules';
import { generateBatch } from './generator';
import { GUEST_LINE_PREFIX, guestSource, undefinedFlagNames } from './guest';
import { assembleGuest, runOnQemu, runOnRingside, type MachineOutput } from './machines';
import { listing, REGISTER_NAMES, type Sequence } from './sequence';

export const FIELD_NAMES = [...REGISTER_NAMES.map((r) => (r === 'ESP' ? 'ESP-start' : r)), 'EFLAGS', 'scratch-sum'];

/** The state lines of a run by sequence index. */
export function stateLines(serial: string): Map<number, string> {
	const lines = new Map<number, string>();
	for (const line of serial.split('\n')) {
		if (!line.startsWith(GUEST_LINE_PREFIX)) continue;
		const fields = line.trim().slice(GUEST_LINE_PREFIX.length).split(' ');
		lines.set(parseInt(fields[0], 16), fields.slice(1).join(' '));
	}
	return lines;
}

/** Names of the fields two state lines disagree in (EFLAGS down to the flag). */
export function differingFields(expected: string, actual: string | undefined): string[] {
	if (actual === undefined) return ['(no line)'];
	const a = expected.split(' ');
	const b = actual.split(' ');
	return FIELD_NAMES.flatMap((name, i) => {
		if (a[i] === b[i]) return [];
		if (name !== 'EFLAGS') return [name];
		const diff = (parseInt(a[i], 16) ^ parseInt(b[i], 16)) >>> 0;
		const arith = flagNames(diff & ARITH);
		const other = diff & ~ARITH;
		return [`EFLAGS(${[arith, other ? `0x${other.toString(16)}` : ''].filter(Boolean).join(' ')})`];
	});
}

export interface Mismatch {
	index: number;
	sequence: Sequence;
	qemu: string;
	/** Ringside's line, or undefined when it stopped before printing it. */
	ringside: string | undefined;
	ringsideFailure?: string;
	fields: string[];
}

export interface BatchResult {
	/** Sequences whose lines were compared (agreeing or not). */
	compared: number;
	instructions: number;
	mismatches: Mismatch[];
}

const instructionCount = (sequences: readonly Sequence[]): number =>
	sequences.reduce((n, s) => n + s.units.reduce((m, u) => m + u.lines.filter((l) => !l.endsWith(':')).length, 0), 0);

function check(name: string, output: MachineOutput): void {
	if (output.failure) throw new Error(`${name} did not finish the batch: ${output.failure}`);
}

/** Runs `sequences` on both machines (QEMU's run given, when already made) and lists every disagreement. */
export async function compareBatch(sequences: readonly Sequence[], qemuOutput?: MachineOutput): Promise<BatchResult> {
	const guest = assembleGuest(guestSource(sequences));
	const qemu = qemuOutput ?? (await runOnQemu(guest));
	check('QEMU', qemu);
	const ringside = runOnRingside(guest);
	const expected = stateLines(qemu.serial);
	const actual = stateLines(ringside.serial);
	if (expected.size !== sequences.length) throw new Error(`QEMU printed ${expected.size} state lines for ${sequences.length} sequences:\n${qemu.serial}`);
	const mismatches: Mismatch[] = [];
	for (const [index, line] of expected) {
		const got = actual.get(index);
		if (got === line) continue;
		mismatches.push({ index, sequence: sequences[index], qemu: line, ringside: got, ringsideFailure: got === undefined ? ringside.failure : undefined, fields: differingFields(line, got) });
	}
	return { compared: sequences.length, instructions: instructionCount(sequences), mismatches };
}

/** Candidates of one minimisation round: the sequence with one chunk of units dropped, chunks halving down to one unit. */
function reductions(sequence: Sequence): Sequence[] {
	const n = sequence.units.length;
	const seen = new Set<string>();
	const out: Sequence[] = [];
	for (let chunk = Math.max(1, n >> 1); ; chunk >>= 1) {
		for (let start = 0; start < n; start += chunk) {
			const units = [...sequence.units.slice(0, start), ...sequence.units.slice(start + chunk)];
			const key = `${start}:${units.length}`;
			if (units.length === n || seen.has(key) || 'problem' in analyse(units.flatMap((u) => u.flags))) continue;
			seen.add(key);
			out.push({ ...sequence, units });
		}
		if (chunk === 1) return out;
	}
}

/**
 * Delta debugging: each round runs every reduction of the current sequence as
 * one QEMU batch and keeps the smallest that still disagrees, until none does.
 */
export async function minimise(mismatch: Mismatch): Promise<Mismatch> {
	const again = (await compareBatch([mismatch.sequence])).mismatches[0];
	let best: Mismatch = again ? { ...again, index: mismatch.index } : mismatch;
	for (;;) {
		const candidates = reductions(best.sequence);
		if (candidates.length === 0) return best;
		const result = await compareBatch(candidates);
		const smaller = result.mismatches.sort((a, b) => a.sequence.units.length - b.sequence.units.length)[0];
		if (!smaller) break;
		best = { ...smaller, index: mismatch.index };
	}
	// Lines from a batch of candidates hold that guest's addresses: the final sequence reruns alone.
	const alone = (await compareBatch([best.sequence])).mismatches[0];
	return alone ? { ...alone, index: mismatch.index } : best;
}

export function describeMismatch(m: Mismatch, seed?: number): string {
	const undefinedFlags = undefinedFlagNames(m.sequence);
	return [
		seed === undefined ? 'mismatch' : `mismatch (seed ${seed}, sequence ${m.index})`,
		`start: ${REGISTER_NAMES.map((r, i) => (r === 'ESP' ? '' : `${r}=${(m.sequence.registers[i] >>> 0).toString(16)}`)).filter(Boolean).join(' ')} EFLAGS=${m.sequence.eflags.toString(16)}`,
		listing(m.sequence),
		`fields:   ${FIELD_NAMES.join(' ')}`,
		`QEMU:     ${m.qemu}`,
		`Ringside: ${m.ringside ?? `(none: ${m.ringsideFailure ?? 'no output'})`}`,
		`differ:   ${m.fields.join(', ')}${undefinedFlags ? ` (masked as undefined: ${undefinedFlags})` : ''}`,
	].join('\n');
}

export interface SeedRun {
	seed: number;
	result: BatchResult;
	/** The first mismatch, minimised. */
	minimal?: Mismatch;
}

/** Generates the batch of `seed`, compares it, and minimises the first mismatch. */
export async function runSeed(seed: number, count: number, length: number): Promise<SeedRun> {
	const result = await compareBatch(generateBatch(seed, count, length));
	const first = result.mismatches[0];
	return { seed, result, minimal: first ? await minimise(first) : undefined };
}
