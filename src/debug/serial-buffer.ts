// Guest serial output arrives a byte at a time; a debug console wants text.
// Bytes are held until a newline or a flush, so a line costs one event.

export class SerialLineBuffer {
	private pending: number[] = [];

	constructor(private readonly sink: (text: string) => void) {}

	push(byte: number): void {
		this.pending.push(byte & 0xff);
		if (byte === 0x0a) this.flush();
	}

	get empty(): boolean {
		return this.pending.length === 0;
	}

	flush(): void {
		if (this.pending.length === 0) return;
		// latin1: a guest writes bytes, and every byte must come out as one character.
		const text = Buffer.from(this.pending).toString('latin1');
		this.pending = [];
		this.sink(text);
	}
}
