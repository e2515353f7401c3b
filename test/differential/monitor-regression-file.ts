// A kept monitor regression is the minimised guest source with a header: the
// mode it compares with native, and, while the bug stands, why it is a todo.

import type { MonitorMode } from '../../src/vmm/views';

const MODE = /^; mode: (\S+)$/m;
const TODO = /^; todo: (.+)$/m;

export function regressionText(source: string, mode: MonitorMode, found: string): string {
	const header = [`; mode: ${mode}`, '; todo: open bug, found by the monitor differential campaign', ...found.split('\n').map((l) => `; ${l}`)];
	return [...header, source].join('\n');
}

export function parseRegression(text: string, file: string): { mode: MonitorMode; todo?: string; source: string } {
	const mode = MODE.exec(text)?.[1];
	if (mode !== 'binary-translation' && mode !== 'trap-and-emulate') throw new Error(`${file}: no '; mode: binary-translation|trap-and-emulate' line`);
	return { mode, todo: TODO.exec(text)?.[1], source: text };
}
