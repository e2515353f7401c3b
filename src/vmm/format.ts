// Number formatting for the words the monitor puts in events and listings.

/** 0x-prefixed, zero-padded hexadecimal of an unsigned value. */
export const hex = (value: number, digits = 8): string => `0x${(value >>> 0).toString(16).padStart(digits, '0')}`;
