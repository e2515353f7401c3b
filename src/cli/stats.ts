// The --stats summary: what the monitor did during a run, counted from its
// event stream (the same stream the debugger's views read).

import type { MonitorEvent } from '../vmm/events';
import type { ShadowPagingStatistics } from '../vmm/shadow-paging/shadow-paging';

export class RunStatistics {
	private readonly trapsByInstruction = new Map<string, number>();
	holes = 0;
	guestExceptions = 0;
	interrupts = 0;
	translatedBlocks = 0;
	adaptiveRetranslations = 0;

	record(event: MonitorEvent): void {
		switch (event.kind) {
			case 'trap':
			case 'emulation': {
				const mnemonic = event.instruction.split(/\s+/)[0] || '(unknown)';
				this.trapsByInstruction.set(mnemonic, (this.trapsByInstruction.get(mnemonic) ?? 0) + 1);
				break;
			}
			case 'hole': this.holes++; break;
			case 'guest-exception': this.guestExceptions++; break;
			case 'interrupt': this.interrupts++; break;
			case 'translation': this.translatedBlocks++; break;
			case 'adaptive-retranslation': this.adaptiveRetranslations++; break;
			default: break;
		}
	}

	format(instructions: number, rewrittenInstructions: number, shadow?: ShadowPagingStatistics): string {
		const traps = [...this.trapsByInstruction].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
		const total = traps.reduce((sum, [, n]) => sum + n, 0);
		const lines = [
			'ringside statistics',
			`  instructions:           ${instructions}`,
			`  traps/emulations:       ${total}`,
			...traps.map(([mnemonic, n]) => `    ${mnemonic.padEnd(20)} ${n}`),
			`  holes:                  ${this.holes}`,
			`  guest exceptions, INT n: ${this.guestExceptions}`,
			`  interrupts:             ${this.interrupts}`,
			`  translated blocks:      ${this.translatedBlocks}`,
			`  rewritten instructions: ${rewrittenInstructions}`,
			`  adaptive retranslations: ${this.adaptiveRetranslations}`,
			...(shadow ? [
				`  shadow page faults:     ${shadow.fills + shadow.traceWrites + shadow.protectionWrites} hidden, ${shadow.trueFaults} true`,
				`    shadow fills          ${shadow.fills}`,
				`    traced stores         ${shadow.traceWrites} (${shadow.traceExits} left guest code)`,
				`    write-protect stores  ${shadow.protectionWrites}`,
				`    address spaces        ${shadow.addressSpaceBuilds} built, ${shadow.addressSpaceSwitches} switches, ${shadow.resets} resets`,
				`  shadow GDT/LDT rebuilds: ${shadow.descriptorTableRebuilds}`,
			] : []),
		];
		return `${lines.join('\n')}\n`;
	}
}
