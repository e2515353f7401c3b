// The webview that shows one translated block: guest code beside its translation.
// One panel is reused; its content comes from `ringside/translatedBlock`.

import { randomBytes } from 'node:crypto';
import * as vscode from 'vscode';
import { blockPage, parseTranslatedBlock } from './block-html';
import { hex32 } from './monitor-event-log';
import { revealSourceLine } from './reveal-source';
import type { BlockSummary } from './translation-cache-view';

export class BlockWebview implements vscode.Disposable {
	private panel: vscode.WebviewPanel | undefined;

	constructor(private readonly extensionUri: vscode.Uri) {}

	async show(session: vscode.DebugSession | undefined, block: BlockSummary | undefined): Promise<void> {
		if (!block) return;
		if (!session || session.type !== 'ringside') {
			void vscode.window.showWarningMessage('Ringside: no Ringside debug session to ask for the translation.');
			return;
		}
		let content;
		try {
			content = parseTranslatedBlock(await session.customRequest('ringside/translatedBlock', { id: block.id }));
		} catch (error) {
			void vscode.window.showErrorMessage(`Ringside: cannot show block ${block.id}: ${error instanceof Error ? error.message : String(error)}`);
			return;
		}
		const media = vscode.Uri.joinPath(this.extensionUri, 'media');
		if (!this.panel) {
			this.panel = vscode.window.createWebviewPanel('ringside.block', 'Translated block', vscode.ViewColumn.Beside, {
				enableScripts: true,
				localResourceRoots: [media],
			});
			this.panel.onDidDispose(() => { this.panel = undefined; });
			this.panel.webview.onDidReceiveMessage((message: { command?: string; path?: unknown; line?: unknown }) => {
				if (message.command === 'reveal' && typeof message.path === 'string' && typeof message.line === 'number') {
					void revealSourceLine(message.path, message.line);
				}
			});
		}
		const webview = this.panel.webview;
		const title = `Block ${hex32(block.guestStart)}–${hex32(block.guestEnd)}`;
		this.panel.title = title;
		webview.html = blockPage(content, {
			cspSource: webview.cspSource,
			nonce: randomBytes(16).toString('base64'),
			styleUri: webview.asWebviewUri(vscode.Uri.joinPath(media, 'block.css')).toString(),
			scriptUri: webview.asWebviewUri(vscode.Uri.joinPath(media, 'block.js')).toString(),
			title,
		});
		this.panel.reveal(vscode.ViewColumn.Beside, true);
	}

	dispose(): void {
		this.panel?.dispose();
	}
}
