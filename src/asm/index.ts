// The guest assembler: NASM syntax in, a flat 32-bit image with its symbols
// and address-to-line map out. Used by the loader, the CLI and (on every
// keystroke) the language server.

export { assemble } from './assembler';
export type { AssembleOptions, AssemblyResult } from './assembler';
export type { AssemblyDiagnostic } from './diagnostics';
export { SUPPORTED_MNEMONICS, DIRECTIVES } from './mnemonics';
