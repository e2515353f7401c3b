// The "Translation Cache" view: the blocks the binary translator holds, asked
// of the adapter (`ringside/translationCache`) each time the guest stops.

import * as vscode from 'vscode';
import type { TranslatedBlockView } from '../debug/guest-machine';
import { hex32 } from './monitor-event-log';

/** A block as the adapter lists it: the figures of a translated block, and where its first instruction is in the source. */
export type BlockSummary = Pick<TranslatedBlockView, 'id' | 'guestStart' | 'guestEnd' | 'instructions' | 'rewritten' | 'executions'> & {
	source?: { path: string };
	line?: number;
};

function isBlockSummary(value: unknown): value is BlockSummary {
	const b = value as Partial<BlockSummary> | null;
	return typeof b === 'object' && b !== null && typeof b.id === 'number' && typeof b.guestStart === 'number' && typeof b.guestEnd === 'number';
}

export class TranslationCacheView implements vscode.TreeDataProvider<BlockSummary>, vscode.Disposable {
	private blocks: BlockSummary[] = [];
	private readonly changed = new vscode.EventEmitter<void>();
	readonly onDidChangeTreeData = this.changed.event;
	private readonly view: vscode.TreeView<BlockSummary>;

	constructor() {
		this.view = vscode.window.createTreeView('ringside.translationCache', { treeDataProvider: this });
	}

	/** Asks the stopped session for its blocks; a session that is running or gone leaves the list as it was. */
	async refresh(session: vscode.DebugSession | undefined): Promise<void> {
		if (!session || session.type !== 'ringside') return;
		try {
			const answer: unknown = await session.customRequest('ringside/translationCache');
			const blocks = (answer as { blocks?: unknown } | undefined)?.blocks;
			this.blocks = Array.isArray(blocks) ? blocks.filter(isBlockSummary) : [];
			const rewritten = this.blocks.reduce((n, b) => n + b.rewritten, 0);
			this.view.description = `${this.blocks.length} blocks, ${rewritten} rewritten`;
			this.view.message = undefined;
		} catch (error) {
			this.view.message = `Translation cache unavailable: ${error instanceof Error ? error.message : String(error)}`;
		}
		this.changed.fire();
	}

	clear(): void {
		this.blocks = [];
		this.view.description = undefined;
		this.view.message = undefined;
		this.changed.fire();
	}

	getTreeItem(b: BlockSummary): vscode.TreeItem {
		const item = new vscode.TreeItem(`${hex32(b.guestStart)}–${hex32(b.guestEnd)}`, vscode.TreeItemCollapsibleState.None);
		item.description = `${b.instructions} ins · ${b.rewritten} rewritten · ${b.executions}×`;
		item.tooltip = [
			`Guest bytes ${hex32(b.guestStart)} to ${hex32(b.guestEnd)} (end exclusive)`,
			`${b.instructions} instructions, ${b.rewritten} rewritten by the translator, executed ${b.executions} times`,
			b.source && b.line !== undefined ? `${b.source.path}:${b.line}` : '',
		].filter((s) => s !== '').join('\n');
		item.iconPath = new vscode.ThemeIcon(b.rewritten > 0 ? 'symbol-event' : 'symbol-namespace');
		item.contextValue = 'ringside.block';
		item.command = { command: 'ringside.translationCache.showBlock', title: 'Show Guest Code and Translation', arguments: [b] };
		return item;
	}

	getChildren(element?: BlockSummary): BlockSummary[] {
		return element ? [] : this.blocks;
	}

	dispose(): void {
		this.view.dispose();
		this.changed.dispose();
	}
}
