// How long the assembler takes on a 2,000-line file once warm: the language
// server reassembles on every keystroke, so this is its latency floor.
import { assemble } from '../src/asm/index';
import { largeProgram } from '../test/asm/large-program';

const source = largeProgram(2000);
const run = () => assemble(source, { file: '/bench/large.asm' });
for (let i = 0; i < 5; i++) run();
const times: number[] = [];
for (let i = 0; i < 15; i++) {
	const start = performance.now();
	run();
	times.push(performance.now() - start);
}
times.sort((a, b) => a - b);
console.log(`assembler: 2,000 lines in ${times[Math.floor(times.length / 2)].toFixed(1)} ms (median of ${times.length}, best ${times[0].toFixed(1)} ms)`);
