// What a debug session costs a running guest: the same hot loop under binary
// translation with no breakpoints, with ten breakpoints set on code that never
// runs, and with a listener on the monitor's event stream. Run in slices, as
// the debug adapter does. Prints ratios from one run (median of five each, the
// cases taken in turn).
import { join } from 'node:path';
import { bootGuest } from '../test/vmm/run-guest';
import { linear } from '../src/x86/addresses';

const GUEST = join(__dirname, 'hot-loop.asm');
const SLICE = 200_000;

function timeRun(setup: (guest: ReturnType<typeof bootGuest>) => void): number {
	const guest = bootGuest(GUEST, 'binary-translation');
	setup(guest);
	const start = performance.now();
	for (;;) {
		const outcome = guest.monitor.run(SLICE);
		if (outcome.reason === 'exit') break;
		if (outcome.reason !== 'budget') throw new Error(`unexpected stop: ${outcome.reason}`);
	}
	return performance.now() - start;
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

const cases: Record<string, (guest: ReturnType<typeof bootGuest>) => void> = {
	'no breakpoints, nobody listening': () => {},
	'ten breakpoints set (not hit)': (guest) => {
		const cold = guest.symbol('cold');
		guest.monitor.setBreakpoints(Array.from({ length: 10 }, (_, i) => linear(cold + i)));
	},
	'a listener on the event stream': (guest) => {
		guest.monitor.events.subscribe(() => {});
	},
};

timeRun(() => {}); // warm up V8 on the monitor itself
// Round robin, so that the machine's noise and V8's own state fall on every case alike.
const times: Record<string, number[]> = Object.fromEntries(Object.keys(cases).map((name) => [name, []]));
for (let round = 0; round < 5; round++) for (const [name, setup] of Object.entries(cases)) times[name].push(timeRun(setup));
const results = Object.fromEntries(Object.entries(times).map(([name, runs]) => [name, median(runs)]));
const base = results['no breakpoints, nobody listening'];
for (const [name, ms] of Object.entries(results)) {
	console.log(`${name.padEnd(36)} ${ms.toFixed(1).padStart(8)} ms  ${(ms / base).toFixed(2)}x`);
}
