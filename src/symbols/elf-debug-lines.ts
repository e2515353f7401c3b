// Source lines of an ELF kernel built with -g: the .debug_line rows that are
// statement boundaries, as a SourceMap for breakpoints and stack frames.

import { readLineTable } from './dwarf-line';
import { SourceMap } from './source-map';

export interface DebugSections {
	debugLine?: Uint8Array;
	debugLineStr?: Uint8Array;
	debugStr?: Uint8Array;
}

/** Undefined when the program carries no line table (built without -g). */
export function sourceMapFromDwarf(sections: DebugSections, compilationDirectory: string): SourceMap | undefined {
	if (!sections.debugLine || sections.debugLine.length === 0) return undefined;
	const rows = readLineTable({ ...sections, debugLine: sections.debugLine, compilationDirectory });
	const map = new SourceMap();
	for (const row of rows) {
		if (row.isStatement && !row.endSequence) map.add(row.address, row.file, row.line);
	}
	return map;
}
