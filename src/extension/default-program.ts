// What F5 debugs when there is no launch.json: the kernel in the active editor
// if it is one, else an ELF kernel of the workspace. Kept free of `vscode` so
// the choice is tested without an editor.

import { extname } from 'node:path';

export type DefaultProgram =
	| { kind: 'program'; path: string }
	/** Several ELF files: the user picks one. */
	| { kind: 'choose'; paths: string[] }
	| { kind: 'none'; message: string };

/**
 * `active`: the file in the active editor, if any; `elfFiles`: the workspace's
 * `*.elf` files. An .asm or .nasm file is a kernel; an .inc file is a piece of
 * one, which cannot run on its own.
 */
export function defaultProgram(active: string | undefined, elfFiles: readonly string[]): DefaultProgram {
	const extension = active === undefined ? '' : extname(active).toLowerCase();
	if (active !== undefined && (extension === '.asm' || extension === '.nasm' || extension === '.elf')) return { kind: 'program', path: active };
	if (elfFiles.length === 1) return { kind: 'program', path: elfFiles[0] };
	if (elfFiles.length > 1) return { kind: 'choose', paths: [...elfFiles].sort() };
	const include = extension === '.inc' ? ` ${active} is an include file: open the kernel that includes it.` : '';
	return { kind: 'none', message: `Ringside: open an .asm kernel, build an ELF kernel (gcc -m32 -g) into the workspace, or add a launch.json to start debugging.${include}` };
}
