// Segment limit checks, including expand-down data segments whose valid
// offsets lie ABOVE the limit (stacks that grow by lowering the limit).

import type { SegmentCache } from '../registers';
import { SegmentTypeBit } from './descriptors';

function isExpandDown(cache: SegmentCache): boolean {
	return !cache.system && (cache.type & (SegmentTypeBit.Code | SegmentTypeBit.ExpandDown)) === SegmentTypeBit.ExpandDown;
}

/** True when every byte of [offset, offset + size) lies inside the segment. */
export function withinLimit(cache: SegmentCache, offset: number, size: number): boolean {
	const last = offset + size - 1;
	if (isExpandDown(cache)) return offset > cache.limit && last <= (cache.big ? 0xffffffff : 0xffff);
	return last <= cache.limit;
}
