// Not a test: guest MIPS of the integer loop of /work/shared/reference/jit-notes.md
// (20 ALU instructions + add/cmp/jnz) at ring 3, at ring 0, at ring 0 under the
// monitor's binary translator (its InstructionEmitter), and at ring 3 with ten
// stop addresses set outside the loop. Run: npx tsx test/x86/measure-jit.ts
import { createTranslator } from '../../src/vmm/translator';
import type { RunOptions } from '../../src/x86/run';
import { machine } from './helpers';

// The loop outlives the measurement: every setup runs the same number of instructions inside it.
const ITERATIONS = 1_000_000_000;
const INSTRUCTIONS = 50_000_000;
const BODY = `mov ecx, ${ITERATIONS}
xor ebp, ebp
l:
add eax, ebx
xor ebx, esi
shl edx, 3
shr edi, 1
mov esi, eax
add edx, edi
xor eax, edx
add ebx, 7
shl esi, 2
mov edi, ebx
add eax, esi
xor edx, eax
shr ebx, 2
add esi, edx
mov eax, edi
xor edi, esi
sub esi, ebx
or edx, ecx
and ebx, eax
xor eax, 5
add ebp, 1
cmp ebp, ecx
jnz l
hlt
times 64 nop
far_away: hlt`;

interface Setup {
	name: string;
	cpl: number;
	options?: RunOptions;
	stops?: number;
}

function measure(setup: Setup): number {
	const m = machine(BODY);
	m.cpu.cpl = setup.cpl;
	// Ten breakpoints on code the loop never reaches, as a debug session would have them.
	if (setup.stops) m.cpu.setStopAddresses(new Set(Array.from({ length: setup.stops }, (_, i) => 0x2000 + 16 * i)));
	const slice = 5_000_000;
	const start = process.hrtime.bigint();
	while (m.cpu.instructionCount < INSTRUCTIONS) {
		const exit = m.cpu.run(slice, setup.options);
		if (exit.kind !== 'budget') throw new Error(`${setup.name}: unexpected exit ${exit.kind}`);
	}
	const ns = Number(process.hrtime.bigint() - start);
	return (m.cpu.instructionCount / ns) * 1000;
}

const translator = createTranslator({ callout: () => undefined, quickIret: () => false, register: (block) => block, isAdapted: () => false, beginDirectStore: () => undefined, endDirectStore: () => undefined });
const setups: Setup[] = [
	{ name: 'ring 3', cpl: 3 },
	{ name: 'ring 0', cpl: 0 },
	{ name: 'ring 0, binary translation', cpl: 0, options: { emitterFor: (cpl) => (cpl === 0 ? translator : undefined) } },
	{ name: 'ring 3, 10 stop addresses', cpl: 3, stops: 10 },
];
// One untimed pass first: V8 warms up the run loop and the helpers every setup shares.
measure(setups[1]);
const results = setups.map((s) => ({ ...s, mips: measure(s) }));
const base = results[0].mips;
for (const r of results) console.log(`${r.name.padEnd(30)} ${r.mips.toFixed(0).padStart(6)} guest MIPS  (${(base / r.mips).toFixed(2)}x ring 3's time)`);
