import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { EngineResult } from '../../bench/harness/bench-engine';
import { formatNs, formatRatio, formatReport, mips, ratio } from '../../bench/harness/report';
import { PHASES } from '../../bench/harness/phases';

function result(nsFor: (phase: number) => number): EngineResult {
	const raw = Object.fromEntries(PHASES.map((p) => [p.number, nsFor(p.number)]));
	return { counts: {}, runs: [], raw, net: raw, markerNs: 2000 };
}

test('numbers keep three significant digits', () => {
	assert.equal(formatNs(3.3141), '3.31');
	assert.equal(formatNs(14.26), '14.3');
	assert.equal(formatNs(3206.4), '3206');
	assert.equal(formatNs(undefined), '-');
	assert.equal(formatNs(NaN), '-');
});

test('a ratio needs two positive times', () => {
	assert.equal(ratio(30, 3), 10);
	assert.equal(ratio(30, 0), undefined);
	assert.equal(ratio(-1, 3), undefined);
	assert.equal(formatRatio(42.4), '42x');
	assert.equal(formatRatio(0.456), '0.46x');
});

test('guest MIPS counts the 22 instructions of the ALU loop', () => {
	assert.equal(mips(result(() => 22), 1), 1000);
	assert.equal(mips(result(() => 22), 3), undefined, 'int 0x80 is not reported as MIPS');
});

test('the report has a row per phase, the ratios, the BT ring ratio and the missing engines', () => {
	const text = formatReport([
		{ id: 'ringside-binary-translation', heading: 'BT', result: result((n) => (n === 2 ? 400 : 100)) },
		{ id: 'qemu', heading: 'QEMU TCG', result: result(() => 10) },
		{ id: 'v86', heading: 'v86', problem: 'not installed' },
	], 3);
	for (const phase of PHASES) assert.match(text, new RegExp(phase.label.replace(/[()+]/g, '\\$&')));
	assert.match(text, /median of 3 runs/);
	assert.match(text, /BT\/QEMU TCG/);
	assert.match(text, /\(a\) 20 ALU \+ loop, ring 3 +10x/);
	assert.match(text, /ring 3 by direct execution \(ALU loop, BT mode\): 4\.00x/);
	assert.match(text, /not measured: v86: not installed/);
});
