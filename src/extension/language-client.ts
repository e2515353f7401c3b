// Starts the ringside-asm language server (dist/language-server.js) over IPC.

import * as vscode from 'vscode';
import { LanguageClient, TransportKind, type LanguageClientOptions, type ServerOptions } from 'vscode-languageclient/node';

export async function startLanguageClient(context: vscode.ExtensionContext): Promise<LanguageClient> {
	const module = vscode.Uri.joinPath(context.extensionUri, 'dist', 'language-server.js').fsPath;
	const serverOptions: ServerOptions = {
		run: { module, transport: TransportKind.ipc },
		debug: { module, transport: TransportKind.ipc, options: { execArgv: ['--nolazy', '--inspect=6019'] } },
	};
	const clientOptions: LanguageClientOptions = {
		documentSelector: [{ scheme: 'file', language: 'ringside-asm' }, { scheme: 'untitled', language: 'ringside-asm' }],
	};
	const client = new LanguageClient('ringsideAsm', 'Ringside Assembly', serverOptions, clientOptions);
	await client.start();
	return client;
}
