// The status bar item shown while a Ringside session runs: the guest's ring,
// the real ring, and how its code is being executed.

import * as vscode from 'vscode';
import { parseStatus, statusText, statusTooltip } from './status-text';

export class RingsideStatusBar implements vscode.Disposable {
	private readonly item = vscode.window.createStatusBarItem('ringside.status', vscode.StatusBarAlignment.Left, 10);

	constructor() {
		this.item.name = 'Ringside';
		this.item.command = 'workbench.debug.action.focusVariablesView';
	}

	update(body: unknown): void {
		const status = parseStatus(body);
		if (!status) return;
		this.item.text = statusText(status);
		this.item.tooltip = new vscode.MarkdownString(statusTooltip(status));
		this.item.show();
	}

	hide(): void {
		this.item.hide();
	}

	dispose(): void {
		this.item.dispose();
	}
}
