// Not a test: measures host nanoseconds per guest instruction on the simple ALU
// loop of /work/shared/reference/jit-notes.md. Run: npx tsx test/x86/measure-alu.ts
import { machine } from './helpers';

const ITERATIONS = 300_000;
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
add ebp, 1
cmp ebp, ecx
jnz l
hlt`;

const m = machine(BODY);
const slice = 2_000_000;
const start = process.hrtime.bigint();
for (;;) {
	const exit = m.cpu.run(slice);
	if (exit.kind !== 'budget') break;
}
const ns = Number(process.hrtime.bigint() - start);
console.log(`${m.cpu.instructionCount} guest instructions, ${(ns / m.cpu.instructionCount).toFixed(1)} ns per instruction, ${(m.cpu.instructionCount / ns * 1000).toFixed(0)} guest MIPS`);
