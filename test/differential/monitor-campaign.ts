// A long randomised campaign of the monitor differential test:
//   npx tsx test/differential/monitor-campaign.ts <first seed> <count> [units per program] [ring3-leaks|no-null-loads]
// Each program that makes a mode disagree with native is minimised and written
// to test/differential/monitor-regressions/ as a kept (todo) test case.

import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { compareUnits, COMPARED_MODES, dumpStyleFor, minimise } from './monitor-compare';
import { monitorGuestSource, randomUnits } from './monitor-guest';
import { regressionText } from './monitor-regression-file';

const [first = '1', count = '50', size = '16', variant] = process.argv.slice(2);
let failures = 0;
for (let seed = Number(first); seed < Number(first) + Number(count); seed++) {
	const mixed = randomUnits(seed, Number(size), { ring3Leaks: variant === 'ring3-leaks', noNullLoads: variant === 'no-null-loads' });
	const privilegedOnly = randomUnits(seed, Number(size), { privilegedOnly: true });
	const cases = [...COMPARED_MODES.map((mode) => ({ mode, units: mixed, name: `seed-${seed}-${mode}` })), { mode: 'trap-and-emulate' as const, units: privilegedOnly, name: `seed-${seed}-privileged-trap-and-emulate` }];
	for (const { mode, units, name } of cases) {
		let found: string | undefined;
		try {
			found = compareUnits(units, mode);
		} catch (error) {
			console.log(`${name}: ${error instanceof Error ? error.message : String(error)}`);
			failures++;
			break;
		}
		if (!found) continue;
		failures++;
		const minimal = minimise(units, mode);
		const minimalSource = monitorGuestSource(minimal, dumpStyleFor(mode));
		const why = compareUnits(minimal, mode) ?? found;
		const path = join(__dirname, 'monitor-regressions', `${name}.asm`);
		writeFileSync(path, regressionText(minimalSource, mode, why));
		console.log(`${name}: minimised to ${minimal.length} units -> ${path}\n${why}`);
	}
	if (seed % 25 === 0) console.log(`seed ${seed} done, ${failures} disagreements so far`);
}
console.log(`${failures} disagreements in ${count} programs`);
