// `npm run bench`: the nanobenchmark guest on every engine installed here, one
// table on stdout, everything measured in bench/results.json. Progress goes to
// stderr so the table can be piped on its own.

import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { benchEngine, type BenchSettings } from './bench-engine';
import { ENGINE_IDS, findEngines, type EngineId } from './engines';
import { GUEST_SOURCE, nasmAvailable, readDefaultCounts } from './guest-source';
import { formatReport, type EngineColumn } from './report';

const USAGE = `Usage: npm run bench -- [--quick] [--runs N] [--engines LIST] [--out FILE]

  --quick          short phases (~50 ms) and one measured run: a smoke test, not a result
  --runs N         measured runs per engine, the table shows medians (default 3)
  --engines LIST   comma-separated subset of: ${ENGINE_IDS.join(', ')}
  --out FILE       where to write the results (default bench/results.json)
`;

interface Options {
	quick: boolean;
	runs?: number;
	engines: EngineId[];
	out: string;
}

class UsageError extends Error {}

function parseOptions(argv: readonly string[]): Options | 'help' {
	const options: Options = { quick: false, engines: [...ENGINE_IDS], out: resolve(__dirname, '..', 'results.json') };
	for (let i = 0; i < argv.length; i++) {
		const arg = argv[i];
		const value = (): string => {
			const next = argv[++i];
			if (next === undefined) throw new UsageError(`${arg} needs a value`);
			return next;
		};
		switch (arg) {
			case '-h': case '--help': return 'help';
			case '--quick': options.quick = true; break;
			case '--runs': {
				const text = value();
				if (!/^\d+$/.test(text) || Number(text) < 1 || Number(text) > 99) throw new UsageError(`--runs needs a whole number from 1 to 99 (got '${text}')`);
				options.runs = Number(text);
				break;
			}
			case '--engines': {
				const list = value().split(',').map((s) => s.trim()).filter(Boolean);
				const unknown = list.filter((id) => !(ENGINE_IDS as readonly string[]).includes(id));
				if (unknown.length > 0 || list.length === 0) throw new UsageError(`--engines takes a comma-separated list of ${ENGINE_IDS.join(', ')} (unknown: '${unknown.join(', ')}')`);
				options.engines = list as EngineId[];
				break;
			}
			case '--out': options.out = resolve(value()); break;
			default: throw new UsageError(`unknown option '${arg}'`);
		}
	}
	return options;
}

async function main(argv: readonly string[]): Promise<number> {
	let options;
	try {
		options = parseOptions(argv);
	} catch (error) {
		if (!(error instanceof UsageError)) throw error;
		process.stderr.write(`bench: ${error.message}\n\n${USAGE}`);
		return 2;
	}
	if (options === 'help') {
		process.stdout.write(USAGE);
		return 0;
	}
	const defaults = readDefaultCounts(readFileSync(GUEST_SOURCE, 'utf8'));
	const workDirectory = mkdtempSync(join(tmpdir(), 'ringside-bench-'));
	const measuredRuns = options.runs ?? (options.quick ? 1 : 3);
	const settings: BenchSettings = {
		trustNs: options.quick ? 5e6 : 20e6,
		phaseNs: options.quick ? 50e6 : 400e6,
		firstRoundDivisor: 50,
		calibrationRounds: 4,
		measuredRuns,
		workDirectory,
		assembler: nasmAvailable() ? 'nasm' : 'ringside',
		log: (message) => process.stderr.write(`bench: ${message}\n`),
	};
	const loadBefore = loadavg()[0];
	const { engines, unavailable } = findEngines(options.engines);
	const columns: EngineColumn[] = unavailable.map((u) => ({ id: u.id, heading: u.id, problem: u.reason }));
	const versions: Record<string, string> = {};
	try {
		for (const engine of engines) {
			versions[engine.id] = engine.version;
			try {
				columns.push({ id: engine.id, heading: engine.heading, result: await benchEngine(engine, defaults, settings) });
			} catch (error) {
				columns.push({ id: engine.id, heading: engine.heading, problem: (error as Error).message });
			}
		}
	} finally {
		rmSync(workDirectory, { recursive: true, force: true });
	}
	columns.sort((a, b) => ENGINE_IDS.indexOf(a.id) - ENGINE_IDS.indexOf(b.id));

	process.stdout.write(`${formatReport(columns, measuredRuns)}\n`);
	const loadAfter = loadavg()[0];
	// Wall-clock phases on a shared machine: other work stretches them, and says so here.
	if (Math.max(loadBefore, loadAfter) > cpus().length) {
		process.stdout.write(`\nwarning: load average ${loadBefore.toFixed(1)} before, ${loadAfter.toFixed(1)} after, on ${cpus().length} CPUs: other work shared the machine, times are inflated and noisy\n`);
	}
	const results = {
		date: new Date().toISOString(),
		host: { cpu: cpus()[0]?.model ?? 'unknown', cpus: cpus().length, node: process.version, platform: process.platform, loadAverageBefore: loadBefore, loadAverageAfter: loadAfter },
		quick: options.quick,
		assembler: settings.assembler,
		settings: { phaseNs: settings.phaseNs, trustNs: settings.trustNs, measuredRuns },
		versions,
		engines: Object.fromEntries(columns.map((c) => [c.id, c.result ?? { problem: c.problem }])),
	};
	writeFileSync(options.out, `${JSON.stringify(results, null, '\t')}\n`);
	process.stderr.write(`bench: results written to ${options.out}\n`);
	return columns.some((c) => c.result) ? 0 : 1;
}

main(process.argv.slice(2)).then((code) => { process.exitCode = code; }, (error: unknown) => {
	process.stderr.write(`bench: ${error instanceof Error ? error.message : String(error)}\n`);
	process.exitCode = 1;
});
