// Keeps a found disagreement as a regression file, by seed: runs the chosen
// units of one generated sequence on QEMU and stores its state line.
//   node --import tsx test/differential/record.ts --seed 9 --index 0 --units 3,4 --name xadd-same-register --description "..."
// or, with hand-written instructions run from that sequence's starting state (every arithmetic flag
// is then treated as undefined at the end, so only registers, other EFLAGS bits and memory count):
//   node --import tsx test/differential/record.ts --seed 9 --asm "shld eax, ebx, 4; mul eax" --name ... --description "..."
// (--count and --length must be those of the run that found it: 50 and 12 by default.)

import { parseArgs } from 'node:util';
import { generateBatch } from './generator';
import { guestSource } from './guest';
import { stateLines, type Mismatch } from './harness';
import { assembleGuest, runOnQemu } from './machines';
import { writeRegression } from './regression-file';
import { listing, type Unit } from './sequence';
import { ARITH, effect } from './flag-rules';

const { values } = parseArgs({
	options: {
		seed: { type: 'string' },
		index: { type: 'string', default: '0' },
		count: { type: 'string', default: '50' },
		length: { type: 'string', default: '12' },
		units: { type: 'string' },
		asm: { type: 'string' },
		name: { type: 'string' },
		description: { type: 'string' },
	},
});

function fail(message: string): never {
	console.error(message);
	process.exit(2);
}

if (values.seed === undefined || (values.units === undefined) === (values.asm === undefined) || !values.name || !values.description) {
	fail('usage: record.ts --seed N [--index K] [--count C --length L] (--units i,j,... | --asm "insn; insn") --name NAME --description TEXT');
}
const seed = Number(values.seed);
const index = Number(values.index);
const batch = generateBatch(seed, Number(values.count), Number(values.length));
const whole = batch[index] ?? fail(`seed ${seed} has no sequence ${index}`);
const units: Unit[] = values.asm !== undefined
	? values.asm.split(';').map((line) => ({ lines: [line.trim()], flags: [effect(0, 0, ARITH)] }))
	: values.units!.split(',').map((i) => whole.units[Number(i)] ?? fail(`sequence ${index} of seed ${seed} has no unit ${i} (it has ${whole.units.length})`));
const sequence = { ...whole, units };

void runOnQemu(assembleGuest(guestSource([sequence]))).then((qemu) => {
	if (qemu.failure) fail(`QEMU failed: ${qemu.failure}`);
	const line = stateLines(qemu.serial).get(0) ?? fail(`QEMU printed no state line:\n${qemu.serial}`);
	const mismatch: Mismatch = { index: 0, sequence, qemu: line, ringside: undefined, fields: [] };
	console.log(`${listing(sequence)}\nQEMU: ${line}\nrecorded ${writeRegression(values.name!, mismatch, seed, values.description!)}`);
});
