// The "Traps" view: the monitor's events (traps, emulations, holes,
// interrupts...) of the current Ringside session, newest first.

import * as vscode from 'vscode';
import type { MonitorEventKind } from '../vmm/events';
import { ALL_EVENT_KINDS, MonitorEventLog, eventLabel, hex32, type ReportedEvent } from './monitor-event-log';
import { revealSourceLine } from './reveal-source';

/** Matches the cap of one `ringside/monitorEvents` batch, so a stop's batch is never cut. */
const CAPACITY = 2000;

const ICONS: Record<MonitorEventKind, string> = {
	trap: 'debug-breakpoint-log', emulation: 'gear', sensitive: 'warning', hole: 'warning', translation: 'symbol-namespace',
	'ring-change': 'arrow-swap', interrupt: 'zap', 'guest-exception': 'error', io: 'plug', 'triple-fault': 'flame',
	'shadow-fault': 'eye', 'adaptive-retranslation': 'sync', 'monitor-relocation': 'move',
};

export class TrapsView implements vscode.TreeDataProvider<ReportedEvent>, vscode.Disposable {
	readonly log = new MonitorEventLog(CAPACITY);
	private readonly changed = new vscode.EventEmitter<void>();
	readonly onDidChangeTreeData = this.changed.event;
	private readonly view: vscode.TreeView<ReportedEvent>;

	constructor() {
		this.view = vscode.window.createTreeView('ringside.traps', { treeDataProvider: this, showCollapseAll: false });
	}

	add(body: unknown): void {
		this.log.add(body);
		this.refresh();
	}

	clear(): void {
		this.log.clear();
		this.refresh();
	}

	refresh(): void {
		const shown = this.log.visible().length;
		this.view.description = this.log.filtered ? `${shown} shown (filtered)` : shown > 0 ? `${shown}` : undefined;
		this.view.message = this.log.dropped > 0 ? `${this.log.dropped} older events not kept` : undefined;
		this.changed.fire();
	}

	async pickKinds(): Promise<void> {
		const counts = this.log.countByKind();
		const shown = new Set(this.log.shownKinds);
		const items = ALL_EVENT_KINDS.map((kind) => ({ label: kind, description: `${counts.get(kind) ?? 0} events`, picked: shown.has(kind), eventKind: kind }));
		const picked = await vscode.window.showQuickPick(items, { canPickMany: true, title: 'Ringside: show monitor events of these kinds' });
		if (!picked) return;
		this.log.showOnly(picked.map((p) => p.eventKind));
		this.refresh();
	}

	getTreeItem(e: ReportedEvent): vscode.TreeItem {
		const { label, description } = eventLabel(e);
		const item = new vscode.TreeItem(label, vscode.TreeItemCollapsibleState.None);
		item.description = description;
		item.iconPath = new vscode.ThemeIcon(ICONS[e.kind]);
		const details = Object.entries(e.detail ?? {}).map(([k, v]) => `- ${k}: ${typeof v === 'number' ? `${v} (${hex32(v)})` : String(v)}`);
		item.tooltip = new vscode.MarkdownString([
			`**${e.kind}**${e.instructionClass ? ` (${e.instructionClass})` : ''} at ${hex32(e.address)}, instruction ${e.time}`,
			e.instruction ? `\`${e.instruction}\`` : '',
			e.action,
			details.join('\n'),
			e.source && e.line !== undefined ? `${e.source.path}:${e.line}` : '',
		].filter((s) => s !== '').join('\n\n'));
		if (e.source && e.line !== undefined) {
			item.contextValue = 'ringside.trap.withSource';
			item.command = { command: 'ringside.traps.reveal', title: 'Reveal Source Line', arguments: [e] };
		} else {
			item.contextValue = 'ringside.trap';
		}
		return item;
	}

	getChildren(element?: ReportedEvent): ReportedEvent[] {
		return element ? [] : this.log.visible();
	}

	dispose(): void {
		this.view.dispose();
		this.changed.dispose();
	}
}

export async function revealEvent(e: ReportedEvent | undefined): Promise<void> {
	if (e?.source && e.line !== undefined) await revealSourceLine(e.source.path, e.line);
}
