// Address <-> source line, for any program: the assembler fills one from its
// listing, the DWARF reader from .debug_line. Breakpoints, stack frames and the
// views all go through this one type.

export interface SourceLocation {
	/** Absolute path of the source file. */
	file: string;
	/** 1-based line. */
	line: number;
}

interface Row extends SourceLocation {
	address: number;
}

export class SourceMap {
	private readonly rows: Row[] = [];
	private sorted = true;

	/** Records that the code at `address` came from `file:line`. */
	add(address: number, file: string, line: number): void {
		const row = { address: address >>> 0, file, line };
		const last = this.rows[this.rows.length - 1];
		if (last && last.address > row.address) this.sorted = false;
		this.rows.push(row);
	}

	/** The line of the instruction that starts at or most closely before `address`, within `slack` bytes. */
	lineFor(address: number, slack = 16): SourceLocation | undefined {
		const rows = this.sortedRows();
		let lo = 0, hi = rows.length - 1, found = -1;
		const target = address >>> 0;
		while (lo <= hi) {
			const mid = (lo + hi) >> 1;
			if (rows[mid].address <= target) { found = mid; lo = mid + 1; } else hi = mid - 1;
		}
		if (found < 0 || target - rows[found].address > slack) return undefined;
		return { file: rows[found].file, line: rows[found].line };
	}

	/** Start addresses of the code generated for `file:line` (empty when the line holds no code). */
	addressesFor(file: string, line: number): number[] {
		return this.rows.filter((r) => r.file === file && r.line === line).map((r) => r.address);
	}

	/** The first line at or after `line` in `file` that has code, for moving a breakpoint there. */
	nearestLineWithCode(file: string, line: number): number | undefined {
		let best: number | undefined;
		for (const r of this.rows) {
			if (r.file === file && r.line >= line && (best === undefined || r.line < best)) best = r.line;
		}
		return best;
	}

	files(): string[] {
		return [...new Set(this.rows.map((r) => r.file))];
	}

	private sortedRows(): Row[] {
		if (!this.sorted) {
			this.rows.sort((a, b) => a.address - b.address);
			this.sorted = true;
		}
		return this.rows;
	}
}

export interface SymbolEntry {
	name: string;
	address: number;
	size: number;
}

export class SymbolTable {
	private readonly byName = new Map<string, SymbolEntry>();
	private readonly byAddress: SymbolEntry[] = [];
	private sorted = true;

	add(symbol: SymbolEntry): void {
		this.byName.set(symbol.name, symbol);
		const last = this.byAddress[this.byAddress.length - 1];
		if (last && last.address > symbol.address) this.sorted = false;
		this.byAddress.push(symbol);
	}

	lookup(name: string): SymbolEntry | undefined {
		return this.byName.get(name);
	}

	/** The symbol containing `address` (or the nearest one before it): for "kernel_main+0x14" labels. */
	nearest(address: number): SymbolEntry | undefined {
		const symbols = this.sortedByAddress();
		let lo = 0, hi = symbols.length - 1, best: SymbolEntry | undefined;
		while (lo <= hi) {
			const mid = (lo + hi) >> 1;
			if (symbols[mid].address <= address) { best = symbols[mid]; lo = mid + 1; } else hi = mid - 1;
		}
		return best;
	}

	all(): readonly SymbolEntry[] {
		return this.sortedByAddress();
	}

	private sortedByAddress(): SymbolEntry[] {
		if (!this.sorted) {
			this.byAddress.sort((a, b) => a.address - b.address);
			this.sorted = true;
		}
		return this.byAddress;
	}
}
