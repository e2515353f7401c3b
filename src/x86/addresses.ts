// Address spaces of IA-32, kept apart by the type checker: an offset within a
// segment becomes a linear address through segmentation, and a linear address
// becomes a physical one through paging. Mixing them is the classic emulator bug.

/** An offset within a segment (EIP, ESP, an effective address). */
export type SegmentOffset = number;
/** After segmentation: segment base + offset, modulo 2^32. */
export type LinearAddress = number & { readonly __space: 'linear' };
/** After paging: an address on the memory bus. */
export type PhysicalAddress = number & { readonly __space: 'physical' };
/** An I/O port number, 0..0xFFFF. */
export type Port = number;

export const linear = (value: number): LinearAddress => (value >>> 0) as LinearAddress;
export const physical = (value: number): PhysicalAddress => (value >>> 0) as PhysicalAddress;
