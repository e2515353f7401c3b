// Makes F5 work without a launch.json on an .asm file, resolves `program`
// against the workspace, and refuses a broken configuration with a message
// before an adapter is started.

import * as vscode from 'vscode';
import { launchProblem, resolveProgram } from './launch-check';

export class RingsideConfigurationProvider implements vscode.DebugConfigurationProvider {
	resolveDebugConfiguration(_folder: vscode.WorkspaceFolder | undefined, config: vscode.DebugConfiguration): vscode.DebugConfiguration | undefined {
		if (!config.type && !config.request && !config.name) {
			const editor = vscode.window.activeTextEditor;
			if (editor?.document.languageId !== 'ringside-asm') {
				void vscode.window.showErrorMessage('Ringside: open an .asm kernel (or add a launch.json) to start debugging.');
				return undefined;
			}
			return { type: 'ringside', request: 'launch', name: 'Ringside: debug current file', program: editor.document.uri.fsPath, virtualization: 'binary-translation' };
		}
		return config;
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
