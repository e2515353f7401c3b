// Starts the debug adapter. By default the session runs inline in the extension
// host (no process to spawn, nothing to locate); the setting
// `ringside.debugAdapter: "process"` runs dist/adapter.js as a separate process
// instead, which isolates a misbehaving guest from the extension host.

import * as vscode from 'vscode';
import { RingsideDebugSession } from '../debug/session';

export class RingsideAdapterFactory implements vscode.DebugAdapterDescriptorFactory {
	constructor(private readonly extensionUri: vscode.Uri) {}

	createDebugAdapterDescriptor(): vscode.DebugAdapterDescriptor {
		const mode = vscode.workspace.getConfiguration('ringside').get<string>('debugAdapter', 'inline');
		if (mode === 'process') {
			const adapter = vscode.Uri.joinPath(this.extensionUri, 'dist', 'adapter.js').fsPath;
			// In desktop VS Code process.execPath is the Electron binary; this variable makes it behave as node.
			return new vscode.DebugAdapterExecutable(process.execPath, [adapter], { env: { ELECTRON_RUN_AS_NODE: '1' } });
		}
		return new vscode.DebugAdapterInlineImplementation(new RingsideDebugSession());
	}
}
