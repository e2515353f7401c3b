// Bounding a list of monitor events without losing the rare ones: the newest
// events of each kind are kept, so a flood of I/O events cannot push out the
// one monitor relocation or triple fault a user is looking for.

/** The newest `cap` events of each kind, in their original order, and how many were let go. */
export function keepNewestPerKind<T extends { kind: string }>(events: T[], cap: number): { kept: T[]; dropped: number } {
	const counts = new Map<string, number>();
	const keep: boolean[] = new Array(events.length);
	let dropped = 0;
	for (let i = events.length - 1; i >= 0; i--) {
		const seen = (counts.get(events[i].kind) ?? 0) + 1;
		counts.set(events[i].kind, seen);
		keep[i] = seen <= cap;
		if (!keep[i]) dropped++;
	}
	return { kept: dropped === 0 ? events : events.filter((_e, i) => keep[i]), dropped };
}
