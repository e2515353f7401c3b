// Every minimised disagreement the monitor differential campaign kept: each
// file is a whole guest whose header names the mode compared with native and,
// while the bug stands, a `; todo:` reason.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { compareSource } from './monitor-compare';
import { parseRegression } from './monitor-regression-file';

const DIRECTORY = join(__dirname, 'monitor-regressions');

for (const file of readdirSync(DIRECTORY).filter((f) => f.endsWith('.asm')).sort()) {
	const kept = parseRegression(readFileSync(join(DIRECTORY, file), 'utf8'), file);
	test(`monitor regression ${file}`, kept.todo ? { todo: kept.todo } : {}, () => {
		assert.equal(compareSource(kept.source, kept.mode), undefined);
	});
}
