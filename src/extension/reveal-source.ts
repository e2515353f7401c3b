// Shows a guest source line in an editor: used by the Traps view, the
// Translation Cache view and the block webview alike.

import * as vscode from 'vscode';

export async function revealSourceLine(path: string, line: number): Promise<void> {
	try {
		const document = await vscode.workspace.openTextDocument(vscode.Uri.file(path));
		const at = Math.min(Math.max(line - 1, 0), document.lineCount - 1);
		const range = document.lineAt(at).range;
		await vscode.window.showTextDocument(document, { selection: range, preserveFocus: false, preview: true });
	} catch (error) {
		void vscode.window.showErrorMessage(`Ringside: cannot open ${path}:${line}: ${error instanceof Error ? error.message : String(error)}`);
	}
}
