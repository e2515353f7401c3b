// Activation: registers the debugger, the views, the status bar and the
// language client. Everything goes into context.subscriptions so that
// deactivation leaves nothing behind.

import * as vscode from 'vscode';
import type { LanguageClient } from 'vscode-languageclient/node';
import { RingsideAdapterFactory } from './adapter-factory';
import { BlockWebview } from './block-webview';
import { RingsideConfigurationProvider, RingsideInitialConfigurations } from './debug-configuration-provider';
import { startLanguageClient } from './language-client';
import type { ReportedEvent } from './monitor-event-log';
import { RingsideStatusBar } from './status-bar';
import { TranslationCacheView, type BlockSummary } from './translation-cache-view';
import { TrapsView, revealEvent } from './traps-view';

let client: LanguageClient | undefined;

export function activate(context: vscode.ExtensionContext): void {
	const traps = new TrapsView();
	const cache = new TranslationCacheView();
	const blockWebview = new BlockWebview(context.extensionUri);
	const statusBar = new RingsideStatusBar();
	const output = vscode.window.createOutputChannel('Ringside');
	const ringsideSessions = new Set<string>();

	context.subscriptions.push(
		traps, cache, blockWebview, statusBar, output,
		vscode.debug.registerDebugConfigurationProvider('ringside', new RingsideConfigurationProvider()),
		vscode.debug.registerDebugConfigurationProvider('ringside', new RingsideInitialConfigurations(), vscode.DebugConfigurationProviderTriggerKind.Dynamic),
		vscode.debug.registerDebugAdapterDescriptorFactory('ringside', new RingsideAdapterFactory(context.extensionUri)),

		vscode.commands.registerCommand('ringside.traps.refresh', () => traps.refresh()),
		vscode.commands.registerCommand('ringside.traps.filter', () => traps.pickKinds()),
		vscode.commands.registerCommand('ringside.traps.clear', () => traps.clear()),
		vscode.commands.registerCommand('ringside.traps.reveal', (e?: ReportedEvent) => revealEvent(e)),
		vscode.commands.registerCommand('ringside.translationCache.refresh', () => cache.refresh(vscode.debug.activeDebugSession)),
		vscode.commands.registerCommand('ringside.translationCache.showBlock', (b?: BlockSummary) => blockWebview.show(vscode.debug.activeDebugSession, b)),

		vscode.debug.onDidStartDebugSession((session) => {
			if (session.type !== 'ringside') return;
			ringsideSessions.add(session.id);
			// Keeps the views in Run and Debug after the session ends, so its events can still be read.
			void vscode.commands.executeCommand('setContext', 'ringside.sessionSeen', true);
			traps.clear();
			cache.clear();
		}),
		vscode.debug.onDidTerminateDebugSession((session) => {
			if (!ringsideSessions.delete(session.id)) return;
			if (ringsideSessions.size === 0) statusBar.hide();
		}),
		vscode.debug.onDidReceiveDebugSessionCustomEvent((e) => {
			if (e.session.type !== 'ringside') return;
			if (e.event === 'ringside/monitorEvents') {
				traps.add(e.body);
			} else if (e.event === 'ringside/status') {
				statusBar.update(e.body);
				// Sent at launch and at every stop: the moment the cache is worth listing.
				void cache.refresh(e.session);
			}
		}),
	);

	startLanguageClient(context).then((started) => {
		client = started;
	}, (error: unknown) => {
		output.appendLine(`The ringside-asm language server did not start: ${error instanceof Error ? error.message : String(error)}`);
	});
}

export async function deactivate(): Promise<void> {
	await client?.stop();
	client = undefined;
}
