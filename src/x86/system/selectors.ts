// Segment selectors (index << 3 | TI << 2 | RPL) and the error codes built
// from them: bits 15..3 index, bit 2 TI, bit 1 IDT, bit 0 EXT.

export const selectorRpl = (selector: number): number => selector & 3;
export const selectorUsesLdt = (selector: number): boolean => (selector & 4) !== 0;
/** Index 0 of the GDT, whatever the RPL; index 0 of the LDT is an ordinary entry. */
export const isNullSelector = (selector: number): boolean => (selector & 0xfffc) === 0;
export const withRpl = (selector: number, rpl: number): number => (selector & 0xfffc) | rpl;

/** EXT: the event being delivered came from outside the program (not INT n). */
export type ExtBit = 0 | 1;

export const selectorErrorCode = (selector: number, ext: ExtBit = 0): number => (selector & 0xfffc) | ext;
export const idtErrorCode = (vector: number, ext: ExtBit): number => ((vector & 0xff) << 3) | 2 | ext;
