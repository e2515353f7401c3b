// What the configuration provider checks before a launch reaches the adapter,
// kept free of `vscode`: the program path resolved against the workspace, and
// the attributes validated by the same parser the adapter uses.

import { existsSync, statSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import { LaunchConfigError, parseLaunchConfig } from '../debug/launch-config';

/** A relative `program` is relative to the workspace folder (or, without one, to the current directory). */
export function resolveProgram(program: string, folder: string | undefined): string {
	return isAbsolute(program) ? program : resolve(folder ?? process.cwd(), program);
}

/** Undefined when the configuration can be launched, else the message to show. */
export function launchProblem(config: Record<string, unknown>): string | undefined {
	try {
		parseLaunchConfig(config);
	} catch (error) {
		if (error instanceof LaunchConfigError) return error.message;
		throw error;
	}
	const program = config.program as string;
	if (!existsSync(program)) return `the program ${program} does not exist`;
	if (!statSync(program).isFile()) return `the program ${program} is not a file`;
	return undefined;
}
