// Makes F5 work without a launch.json (the .asm kernel in the editor, or an
// ELF kernel of the workspace), resolves `program` against the workspace, and
// refuses a broken configuration with a message before an adapter is started.

import * as vscode from 'vscode';
import { defaultProgram } from './default-program';
import { launchProblem, resolveProgram } from './launch-check';

export class RingsideConfigurationProvider implements vscode.DebugConfigurationProvider {
	async resolveDebugConfiguration(_folder: vscode.WorkspaceFolder | undefined, config: vscode.DebugConfiguration): Promise<vscode.DebugConfiguration | undefined> {
		if (config.type || config.request || config.name) return config;
		const active = vscode.window.activeTextEditor?.document;
		const elfFiles = (await vscode.workspace.findFiles('**/*.elf', '**/node_modules/**', 20)).map((uri) => uri.fsPath);
		const choice = defaultProgram(active?.uri.scheme === 'file' ? active.uri.fsPath : undefined, elfFiles);
		let program: string | undefined;
		if (choice.kind === 'program') program = choice.path;
		else if (choice.kind === 'choose') program = await vscode.window.showQuickPick(choice.paths, { placeHolder: 'ELF kernel to debug' });
		else void vscode.window.showErrorMessage(choice.message);
		if (program === undefined) return undefined;
		return { type: 'ringside', request: 'launch', name: 'Ringside: debug current file', program, virtualization: 'binary-translation' };
	}

	resolveDebugConfigurationWithSubstitutedVariables(folder: vscode.WorkspaceFolder | undefined, config: vscode.DebugConfiguration): vscode.DebugConfiguration | undefined {
		if (typeof config.program === 'string' && config.program !== '') {
			const base = folder?.uri.fsPath ?? vscode.workspace.workspaceFolders?.[0]?.uri.fsPath;
			config.program = resolveProgram(config.program, base);
		}
		const problem = launchProblem(config);
		if (problem !== undefined) {
			void vscode.window.showErrorMessage(`Ringside: cannot launch "${config.name ?? 'configuration'}": ${problem}`);
			return undefined;
		}
		return config;
	}
}

export class RingsideInitialConfigurations implements vscode.DebugConfigurationProvider {
	provideDebugConfigurations(): vscode.DebugConfiguration[] {
		return (['binary-translation', 'trap-and-emulate', 'native'] as const).map((virtualization) => ({
			type: 'ringside', request: 'launch', name: `Ringside (${virtualization})`,
			program: '${file}', virtualization, stopOnEntry: false,
		}));
	}
}
