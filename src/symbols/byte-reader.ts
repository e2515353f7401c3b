// Little-endian cursor over a section's bytes, with the LEB128 forms DWARF uses.
// Every read is bounds-checked so a malformed section ends in a DebugInfoError,
// not in garbage or an endless loop.

export class DebugInfoError extends Error {}

export class ByteReader {
	private readonly view: DataView;
	offset: number;

	constructor(readonly bytes: Uint8Array, offset = 0, private readonly what = 'section') {
		this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
		this.offset = offset;
	}

	get atEnd(): boolean {
		return this.offset >= this.bytes.length;
	}

	private need(count: number): number {
		const at = this.offset;
		if (at + count > this.bytes.length) {
			throw new DebugInfoError(`${this.what} is truncated: needed ${count} byte(s) at offset 0x${at.toString(16)}`);
		}
		this.offset += count;
		return at;
	}

	u8(): number { return this.view.getUint8(this.need(1)); }
	i8(): number { return this.view.getInt8(this.need(1)); }
	u16(): number { return this.view.getUint16(this.need(2), true); }
	u32(): number { return this.view.getUint32(this.need(4), true); }
	u64(): number {
		const at = this.need(8);
		return this.view.getUint32(at, true) + this.view.getUint32(at + 4, true) * 2 ** 32;
	}

	/** Reads an unsigned value of `size` bytes (1, 2, 4 or 8). */
	unsigned(size: number): number {
		switch (size) {
			case 1: return this.u8();
			case 2: return this.u16();
			case 4: return this.u32();
			case 8: return this.u64();
			default: throw new DebugInfoError(`${this.what}: unsupported field size ${size}`);
		}
	}

	uleb(): number {
		let result = 0, scale = 1, byte: number;
		do {
			byte = this.u8();
			result += (byte & 0x7f) * scale;
			scale *= 128;
		} while (byte & 0x80);
		return result;
	}

	sleb(): number {
		let result = 0, scale = 1, byte: number;
		do {
			byte = this.u8();
			result += (byte & 0x7f) * scale;
			scale *= 128;
		} while (byte & 0x80);
		return byte & 0x40 ? result - scale : result;
	}

	/** A NUL-terminated string. */
	cstring(): string {
		const start = this.offset;
		const end = this.bytes.indexOf(0, start);
		if (end < 0) throw new DebugInfoError(`${this.what}: unterminated string at offset 0x${start.toString(16)}`);
		this.offset = end + 1;
		return Buffer.from(this.bytes.subarray(start, end)).toString('utf8');
	}

	skip(count: number): void {
		this.need(count);
	}
}

/** The NUL-terminated string at `offset` of a string section (.strtab, .debug_str, .debug_line_str). */
export function stringAt(section: Uint8Array | undefined, offset: number, what: string): string {
	if (!section || offset >= section.length) throw new DebugInfoError(`${what}: string offset 0x${offset.toString(16)} is outside the string section`);
	return new ByteReader(section, offset, what).cstring();
}
