import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { blockPage, escapeHtml, parseTranslatedBlock } from '../../src/extension/block-html';
import { launchProblem, resolveProgram } from '../../src/extension/launch-check';
import { MonitorEventLog, eventLabel } from '../../src/extension/monitor-event-log';
import { parseStatus, statusText, statusTooltip } from '../../src/extension/status-text';

const event = (kind: string, address: number, extra: Record<string, unknown> = {}) => ({
	kind, time: address, eip: address, address, instruction: 'lgdt [0x1000]', action: 'emulated LGDT', ...extra,
});

test('the event log keeps the newest events of each kind, filters by kind and ignores malformed ones', () => {
	const log = new MonitorEventLog(1);
	log.add({ events: [event('trap', 1), event('hole', 2), { kind: 'nonsense', address: 3, action: '' }, 'junk', event('io', 4)] });
	log.add({ events: [event('trap', 5)], dropped: 7 });
	log.add(null);
	assert.deepEqual(log.visible().map((e) => e.address), [5, 4, 2]);
	assert.equal(log.dropped, 8);
	log.showOnly(['trap']);
	assert.deepEqual(log.visible().map((e) => e.address), [5]);
	assert.ok(log.filtered);
	assert.deepEqual([...log.countByKind()], [['hole', 1], ['io', 1], ['trap', 1]]);
	log.clear();
	assert.deepEqual(log.visible(), []);
	assert.equal(log.dropped, 0);
});

test('a flood of one kind of event does not push out a rare one', () => {
	const log = new MonitorEventLog(3);
	log.add({ events: [event('monitor-relocation', 1), ...Array.from({ length: 10 }, (_e, i) => event('io', 100 + i))] });
	assert.deepEqual(log.visible().map((e) => e.address), [109, 108, 107, 1]);
	assert.equal(log.dropped, 7);
});

test('an event row shows kind, instruction, address and action', () => {
	assert.deepEqual(eventLabel(event('trap', 0x101000) as never), { label: 'trap: lgdt [0x1000]', description: '0x00101000 · emulated LGDT' });
	assert.equal(eventLabel(event('interrupt', 0x10, { instruction: '' }) as never).label, 'interrupt');
});

test('the status bar text and tooltip follow ringside/status; bad bodies are refused', () => {
	const status = parseStatus({ virtualRing: 0, realRing: 1, executionMode: 'translated', virtualization: 'binary-translation' });
	assert.ok(status);
	assert.equal(statusText(status), '$(chip) vring 0 · real 1 · translated');
	assert.match(statusTooltip(status), /ring 0; the hardware runs it at ring 1/);
	assert.equal(parseStatus({ virtualRing: 5, realRing: 1, executionMode: 'translated', virtualization: 'native' }), undefined);
	assert.equal(parseStatus({ virtualRing: 0, realRing: 1, executionMode: 'fast', virtualization: 'native' }), undefined);
	assert.equal(parseStatus('x'), undefined);
});

test('the block page escapes guest text, allows only its nonce script and links rows to source', () => {
	const block = parseTranslatedBlock({
		guest: [{ address: 0x100000, bytes: '0f 01 15', text: 'lgdt [<gdt>]', class: 'privileged', source: { path: '/k/a"b.asm' }, line: 12 }],
		translation: [{ text: 'call monitor.lgdt()', kind: 'callout' }],
	});
	const html = blockPage(block, { cspSource: 'vscode-resource:', nonce: 'N0nce', styleUri: 'css://s', scriptUri: 'js://s', title: 'Block <1>' });
	assert.match(html, /content="default-src 'none'; style-src vscode-resource:; script-src 'nonce-N0nce';"/);
	assert.match(html, /<script nonce="N0nce" src="js:\/\/s"><\/script>/);
	assert.equal((html.match(/<script/g) ?? []).length, 1);
	assert.ok(html.includes('lgdt [&lt;gdt&gt;]') && !html.includes('<gdt>'));
	assert.ok(html.includes('data-path="/k/a&quot;b.asm" data-line="12"'));
	assert.ok(html.includes('<tr class="kind-callout">'));
	assert.equal(escapeHtml(`<a href='x'>&</a>`), '&lt;a href=&#39;x&#39;&gt;&amp;&lt;/a&gt;');
	assert.throws(() => parseTranslatedBlock({ guest: [] }), /no guest and translation lists/);
});

test('launch checks resolve program against the workspace and name the bad attribute', () => {
	const dir = mkdtempSync(join(tmpdir(), 'ringside-launch-'));
	writeFileSync(join(dir, 'k.asm'), 'hlt\n');
	assert.equal(resolveProgram('k.asm', dir), join(dir, 'k.asm'));
	assert.equal(resolveProgram('/abs/k.asm', dir), '/abs/k.asm');
	assert.equal(launchProblem({ program: join(dir, 'k.asm'), virtualization: 'native' }), undefined);
	assert.match(launchProblem({ program: join(dir, 'missing.asm') }) ?? '', /does not exist/);
	assert.match(launchProblem({ program: dir }) ?? '', /is not a file/);
	assert.match(launchProblem({ program: join(dir, 'k.asm'), virtualization: 'fast' }) ?? '', /"virtualization" must be one of/);
	assert.match(launchProblem({}) ?? '', /"program" is required/);
});
