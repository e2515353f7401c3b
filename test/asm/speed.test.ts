// The language server assembles on every keystroke: a 2,000-line file must take well under 100 ms.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { asm } from './helpers';

function program(lines: number): string {
	const out = ['bits 32', 'org 0x100000', 'section .text'];
	for (let i = 0; out.length < lines; i++) {
		out.push(
			`fn${i}:`,
			'\tpush ebp',
			'\tmov ebp, esp',
			`\tmov eax, [ebp + 8]`,
			`\tadd eax, ${i}`,
			`\tcmp eax, table_end - table`,
			`\tjb .small`,
			`\tmov dword [table + eax * 4], fn${i}`,
			'.small:',
			`\tlea esi, [msg${i % 10}]`,
			'\tleave',
			'\tret',
		);
	}
	out.push('section .data', 'table: times 64 dd 0', 'table_end:');
	for (let i = 0; i < 10; i++) out.push(`msg${i}: db "message ${i}", 0`);
	return out.join('\n');
}

test('a 2,000-line file assembles in well under 100 ms', () => {
	const source = program(2000);
	const first = asm(source);
	assert.deepEqual(first.errors, []);
	// The language server runs warm: let the JIT settle, then take the best run (other processes share the CPU).
	for (let i = 0; i < 3; i++) asm(source);
	let best = Infinity;
	for (let i = 0; i < 5; i++) {
		const start = performance.now();
		asm(source);
		best = Math.min(best, performance.now() - start);
	}
	assert.ok(best < 100, `took ${best.toFixed(1)} ms`);
});
