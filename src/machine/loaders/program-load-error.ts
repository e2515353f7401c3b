/** A program that cannot be loaded, with a message that tells the user what to change. */
export class ProgramLoadError extends Error {
	override readonly name = 'ProgramLoadError';
}

export const hex = (value: number): string => `0x${(value >>> 0).toString(16)}`;
