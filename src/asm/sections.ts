// Sections of a flat binary laid out the way NASM's `-f bin` does: .text at the
// origin, the other progbits sections after it in order of appearance, then
// the nobits ones (.bss), each aligned (4 bytes unless align= or an `align`
// directive in it asks for more).

import { SectionRef } from './expression';

export class Section implements SectionRef {
	/** Offset reached in the current pass. */
	size = 0;
	/** Absolute address of the first byte, from the previous pass's layout. */
	start = 0;
	align = 4;
	bytes: number[] = [];
	constructor(readonly name: string, public nobits: boolean, readonly index: number) {}
}

const NOBITS_BY_DEFAULT = new Set(['.bss']);

export class SectionList {
	readonly all: Section[] = [];

	get(name: string): Section {
		let s = this.all.find((x) => x.name === name);
		if (!s) {
			s = new Section(name, NOBITS_BY_DEFAULT.has(name), this.all.length);
			this.all.push(s);
		}
		return s;
	}

	/** Sections in address order. */
	ordered(): Section[] {
		const text = this.all.filter((s) => s.name === '.text');
		const rest = this.all.filter((s) => s.name !== '.text');
		return [...text, ...rest.filter((s) => !s.nobits), ...rest.filter((s) => s.nobits)];
	}

	/** Assigns start addresses from the sizes of this pass; returns whether any start moved. */
	layout(origin: number): boolean {
		let address = origin;
		let moved = false;
		this.ordered().forEach((s, i) => {
			if (i > 0) address = alignUp(address, s.align);
			if (s.start !== address) moved = true;
			s.start = address;
			address += s.size;
		});
		return moved;
	}

	/** The image: progbits sections at their addresses, gaps zero-filled, nothing after the last progbits byte. */
	image(origin: number): Uint8Array {
		const progbits = this.ordered().filter((s) => !s.nobits && s.bytes.length > 0);
		const end = progbits.reduce((e, s) => Math.max(e, s.start + s.bytes.length), origin);
		const image = new Uint8Array(end - origin);
		for (const s of progbits) image.set(s.bytes, s.start - origin);
		return image;
	}
}

export const alignUp = (n: number, a: number): number => Math.ceil(n / a) * a;
