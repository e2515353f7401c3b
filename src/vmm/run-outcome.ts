// How a monitor run ends, for the debugger and the command line.

import type { MonitorEvent } from './events';

export interface RunOutcome {
	reason: 'budget' | 'breakpoint' | 'event' | 'exit' | 'triple-fault' | 'idle' | 'unsupported';
	event?: MonitorEvent;
	exitCode?: number;
	/** For 'unsupported': what the guest did that the monitor cannot follow. */
	message?: string;
}
