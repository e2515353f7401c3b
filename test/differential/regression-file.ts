// A minimised disagreement kept as data: the sequence and QEMU's state line
// for it, so the regression test needs no QEMU.

import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Mismatch } from './harness';
import type { Sequence } from './sequence';

export interface Regression {
	/** What went wrong, in a sentence. */
	description: string;
	/** The fuzz seed that found it. */
	seed: number;
	sequence: Sequence;
	/** QEMU's state line for the sequence (without the "#index " prefix). */
	qemu: string;
	/** Set while the bug lives in a file the differential tests' owner may not change. */
	todo?: string;
}

export const REGRESSIONS_DIR = join(__dirname, 'regressions');

export function readRegressions(): { name: string; regression: Regression }[] {
	return readdirSync(REGRESSIONS_DIR).filter((f) => f.endsWith('.json')).sort().map((name) => {
		const text = readFileSync(join(REGRESSIONS_DIR, name), 'utf8');
		try {
			return { name, regression: JSON.parse(text) as Regression };
		} catch (e) {
			throw new Error(`${join(REGRESSIONS_DIR, name)}: not valid JSON: ${(e as Error).message}`);
		}
	});
}

export function writeRegression(name: string, mismatch: Mismatch, seed: number, description: string): string {
	const path = join(REGRESSIONS_DIR, `${name}.json`);
	const regression: Regression = { description, seed, sequence: mismatch.sequence, qemu: mismatch.qemu };
	writeFileSync(path, `${JSON.stringify(regression, null, '\t')}\n`);
	return path;
}
