// A synthetic kernel-like program of a given number of lines: functions, loops, data.

export function largeProgram(lines: number): string {
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
