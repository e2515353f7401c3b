// The status bar's words for a `ringside/status` body, kept free of `vscode`.

export interface RingsideStatus {
	virtualRing: number;
	realRing: number;
	executionMode: 'direct' | 'translated' | 'monitor';
	virtualization: 'binary-translation' | 'trap-and-emulate' | 'native';
}

const MODES = ['direct', 'translated', 'monitor'];
const VIRTUALIZATIONS = ['binary-translation', 'trap-and-emulate', 'native'];

export function parseStatus(body: unknown): RingsideStatus | undefined {
	if (typeof body !== 'object' || body === null) return undefined;
	const s = body as Partial<RingsideStatus>;
	const ring = (r: unknown): r is number => typeof r === 'number' && Number.isInteger(r) && r >= 0 && r <= 3;
	if (!ring(s.virtualRing) || !ring(s.realRing)) return undefined;
	if (!MODES.includes(s.executionMode as string) || !VIRTUALIZATIONS.includes(s.virtualization as string)) return undefined;
	return s as RingsideStatus;
}

export function statusText(s: RingsideStatus): string {
	return `$(chip) vring ${s.virtualRing} · real ${s.realRing} · ${s.executionMode}`;
}

const MODE_MEANING: Record<RingsideStatus['executionMode'], string> = {
	direct: 'guest code runs directly on the (emulated) hardware',
	translated: 'guest kernel code runs from the translation cache',
	monitor: 'the monitor is emulating on the guest\'s behalf',
};

export function statusTooltip(s: RingsideStatus): string {
	return [
		`Ringside: ${s.virtualization}`,
		`The guest believes it runs at ring ${s.virtualRing}; the hardware runs it at ring ${s.realRing}.`,
		`Execution: ${s.executionMode}, ${MODE_MEANING[s.executionMode]}.`,
	].join('\n\n');
}
