// The table printed at the end of a benchmark run.

import type { EngineResult } from './bench-engine';
import { isRingside, type EngineId } from './engines';
import { ALU_RING0, ALU_RING3, PHASES } from './phases';

export interface EngineColumn {
	id: EngineId;
	heading: string;
	result?: EngineResult;
	/** Why there is no result: not installed, or the run failed. */
	problem?: string;
}

/** Three significant digits, without exponent notation. */
export function formatNs(ns: number | undefined): string {
	if (ns === undefined || !Number.isFinite(ns)) return '-';
	const magnitude = Math.abs(ns);
	if (magnitude >= 100) return ns.toFixed(0);
	if (magnitude >= 10) return ns.toFixed(1);
	return ns.toFixed(2);
}

/** Ringside time over peer time; none when either is missing or not positive (a net time at the noise floor). */
export function ratio(ringside: number | undefined, peer: number | undefined): number | undefined {
	if (ringside === undefined || peer === undefined || !(ringside > 0) || !(peer > 0)) return undefined;
	return ringside / peer;
}

export function formatRatio(value: number | undefined): string {
	if (value === undefined) return '-';
	return value >= 10 ? `${value.toFixed(0)}x` : `${value.toFixed(2)}x`;
}

export function mips(result: EngineResult | undefined, phaseNumber: number): number | undefined {
	const phase = PHASES.find((p) => p.number === phaseNumber);
	const ns = result?.raw[phaseNumber];
	if (!phase?.instructionsPerIteration || ns === undefined || !(ns > 0)) return undefined;
	return (phase.instructionsPerIteration / ns) * 1000;
}

function phaseName(phase: (typeof PHASES)[number]): string {
	return `${phase.letter ? `(${phase.letter}) ` : '    '}${phase.label}`;
}

function table(header: string[], rows: string[][]): string {
	const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
	const line = (cells: string[]): string => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ').trimEnd();
	return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

export function formatReport(columns: readonly EngineColumn[], measuredRuns: number): string {
	const present = columns.filter((c) => c.result);
	const ringside = present.filter((c) => isRingside(c.id));
	const peers = present.filter((c) => !isRingside(c.id));
	const out: string[] = [];

	out.push(`Host ns per iteration, median of ${measuredRuns} run${measuredRuns === 1 ? '' : 's'}. Rows (c)-(i): net of the empty loop at the same ring;`);
	out.push('(a), (b) and the empty loops: as timed, loop included. Lower is faster.');
	const header = ['phase', ...present.map((c) => c.heading)];
	const rows = PHASES.map((phase) => [phaseName(phase), ...present.map((c) => formatNs(phase.baseline === undefined ? c.result?.raw[phase.number] : c.result?.net[phase.number]))]);
	rows.push(['    guest MIPS, ALU ring 3', ...present.map((c) => formatNs(mips(c.result, ALU_RING3)))]);
	rows.push(['    guest MIPS, ALU ring 0', ...present.map((c) => formatNs(mips(c.result, ALU_RING0)))]);
	rows.push(['    marker lines alone, us', ...present.map((c) => formatNs((c.result?.markerNs ?? NaN) / 1000))]);
	out.push(table(header, rows));

	if (ringside.length > 0 && peers.length > 0) {
		out.push('');
		out.push('Ringside / peer, same run (above 1x: Ringside slower).');
		const pairs = peers.flatMap((peer) => ringside.map((r) => ({ r, peer })));
		const ratioRows = PHASES.filter((p) => p.letter).map((phase) => [phaseName(phase), ...pairs.map(({ r, peer }) => {
			const pick = (c: EngineColumn): number | undefined => (phase.baseline === undefined ? c.result?.raw[phase.number] : c.result?.net[phase.number]);
			return formatRatio(ratio(pick(r), pick(peer)));
		})]);
		out.push(table(['phase', ...pairs.map(({ r, peer }) => `${r.heading}/${peer.heading}`)], ratioRows));
	}

	const bt = columns.find((c) => c.id === 'ringside-binary-translation')?.result;
	if (bt) {
		const r0 = bt.raw[ALU_RING0];
		const r3 = bt.raw[ALU_RING3];
		out.push('');
		out.push(`Ring 0 under binary translation vs ring 3 by direct execution (ALU loop, BT mode): ${formatRatio(ratio(r0, r3))} the time per iteration.`);
	}

	const problems = columns.filter((c) => c.problem);
	if (problems.length > 0) {
		out.push('');
		for (const c of problems) out.push(`not measured: ${c.id}: ${c.problem}`);
	}
	return out.join('\n');
}
