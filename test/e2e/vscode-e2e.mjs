// End-to-end scenarios in a real VS Code workbench (code-server + Chromium, driven by
// playwright-core), with the extension loaded from this checkout:
// 1. examples/demo: a breakpoint on the `lgdt` line, F5 with its launch.json; checks the
//    status bar, the Variables view's scopes, the Traps and Translation Cache views and,
//    after continuing to the end, the guest's serial output in the Debug Console.
// 2. examples/tests/recursive-paging.asm, a guest not written for the demo, started with F5
//    and no launch.json: a breakpoint on its high stack, step into and out of a call there,
//    the monitor's relocation events in the Traps view (filtered by kind), its output.
// Screenshots go to the job folder. Not part of `npm test`: see test/e2e/README.md.
//
//   E2E_DIR=/tmp/e2e node test/e2e/vscode-e2e.mjs
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, resolve } from 'node:path';

const repo = resolve(new URL('../..', import.meta.url).pathname);
const jobDir = resolve(process.env.E2E_DIR ?? '/tmp/e2e');
const port = Number(process.env.E2E_PORT ?? 8765);
const shots = join(jobDir, 'screenshots');
const demoFolder = join(repo, 'examples/demo');
const testsFolder = join(repo, 'examples/tests');

const require = createRequire(join(jobDir, 'package.json'));
const { chromium } = require('playwright-core');

function log(message) {
	console.log(`[e2e ${new Date().toISOString().slice(11, 19)}] ${message}`);
}

function prepareProfile() {
	for (const d of ['udd/User', 'exts', 'cfg', 'data', 'tmp', 'screenshots']) mkdirSync(join(jobDir, d), { recursive: true });
	writeFileSync(join(jobDir, 'udd/User/settings.json'), JSON.stringify({
		'telemetry.telemetryLevel': 'off', 'workbench.startupEditor': 'none', 'update.mode': 'none',
		'extensions.autoCheckUpdates': false, 'extensions.autoUpdate': false, 'security.workspace.trust.enabled': false,
		'git.enabled': false, 'chat.disableAIFeatures': true, 'workbench.secondarySideBar.defaultVisibility': 'hidden',
		'debug.console.closeOnEnd': false, 'debug.openDebug': 'openOnDebugBreak',
	}, null, '\t'));
	writeFileSync(join(jobDir, 'config.yaml'), `bind-addr: 127.0.0.1:${port}\nauth: none\ncert: false\n`);
}

async function startCodeServer() {
	const bin = join(jobDir, 'node_modules/.bin/code-server');
	const env = { ...process.env, TMPDIR: join(jobDir, 'tmp'), XDG_CONFIG_HOME: join(jobDir, 'cfg'), XDG_DATA_HOME: join(jobDir, 'data') };
	const child = spawn(bin, ['--config', join(jobDir, 'config.yaml'), '--bind-addr', `127.0.0.1:${port}`, '--auth', 'none',
		'--user-data-dir', join(jobDir, 'udd'), '--extensions-dir', join(jobDir, 'exts'), '--disable-telemetry', '--disable-update-check',
		'--disable-workspace-trust', '--disable-getting-started-override', '--ignore-last-opened'],
	{ env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
	const logFile = join(jobDir, 'code-server.log');
	writeFileSync(logFile, '');
	const append = (chunk) => writeFileSync(logFile, chunk, { flag: 'a' });
	child.stdout.on('data', append);
	child.stderr.on('data', append);
	for (let i = 0; i < 100; i++) {
		try {
			if ((await fetch(`http://127.0.0.1:${port}/healthz`)).ok) return child;
		} catch { /* not listening yet */ }
		await new Promise((r) => setTimeout(r, 200));
	}
	process.kill(-child.pid);
	throw new Error(`code-server did not answer on port ${port}; see ${logFile}`);
}

async function shot(page, name) {
	const path = join(shots, `${name}.png`);
	await page.screenshot({ path });
	log(`screenshot ${path}`);
	return path;
}

/** Runs a palette command; an optional one that is not offered (its precondition is false) is skipped. */
async function runCommand(page, title, { optional = false } = {}) {
	for (let attempt = 0; attempt < (optional ? 1 : 5); attempt++) {
		await page.keyboard.press('F1');
		const input = page.locator('.quick-input-widget input.input');
		await input.waitFor({ state: 'visible', timeout: 10_000 });
		await input.fill(`>${title}`);
		const row = page.locator('.quick-input-widget .monaco-list-row', { hasText: title }).first();
		if (await row.isVisible({ timeout: 3000 }).catch(() => false)) {
			await row.click();
			return;
		}
		await page.keyboard.press('Escape');
		await page.waitForTimeout(1000);
	}
	if (!optional) throw new Error(`command not found in the palette: ${title}`);
}

/** Expands a view of the Run and Debug container (collapsed at first) and reads its rows. */
async function paneRows(page, title) {
	const header = page.locator('.pane-header', { has: page.locator('h3.title', { hasText: new RegExp(`^${title}$`, 'i') }) }).first();
	if (await header.getAttribute('aria-expanded') === 'false') await header.click();
	const pane = page.locator('.pane', { has: header });
	// Rows render a moment after the pane expands; an empty view never gets one.
	await pane.locator('.monaco-list-row').first().waitFor({ timeout: 5000 }).catch(() => undefined);
	return pane.locator('.monaco-list-row').evaluateAll((els) => els.map((e) => e.getAttribute('aria-label') ?? e.textContent));
}

/** The 1-based number of the first line of a file matching a pattern. */
function lineOf(file, pattern) {
	const line = readFileSync(file, 'utf8').split('\n').findIndex((l) => pattern.test(l)) + 1;
	if (line === 0) throw new Error(`${file} has no line matching ${pattern}`);
	return line;
}

async function openFolder(page, folder) {
	const payload = JSON.stringify([['extensionDevelopmentPath', `vscode-remote://127.0.0.1:${port}${repo}`]]);
	await page.goto(`http://127.0.0.1:${port}/?folder=${encodeURIComponent(folder)}&payload=${encodeURIComponent(payload)}`);
	await page.locator('.monaco-workbench').waitFor({ timeout: 60_000 });
	await page.waitForTimeout(3000);
	// Breakpoints persist in the workspace's storage between runs, and F9 toggles: start from none.
	await runCommand(page, 'Debug: Remove All Breakpoints', { optional: true });
}

/** Opens a file of the workspace (the grammar colours it, the language server analyses it) at a line. */
async function openAt(page, file, line) {
	await page.keyboard.press('Control+P');
	await page.locator('.quick-input-widget input.input').fill(file);
	await page.locator('.quick-input-widget .monaco-list-row', { hasText: file }).first().click();
	await page.locator('.monaco-editor .view-lines').first().waitFor();
	await page.waitForTimeout(1500);
	await page.keyboard.press('Control+G');
	await page.locator('.quick-input-widget input.input').fill(`:${line}`);
	await page.keyboard.press('Enter');
	await page.waitForTimeout(300);
}

/** The top frame's label (`Stack Frame <symbol> [ring …], line N, <file>`) once it contains `expected`. */
async function topFrame(page, expected) {
	const frames = page.locator('.debug-call-stack .monaco-list-row');
	await page.locator(`.debug-call-stack .monaco-list-row[aria-label*=${JSON.stringify(expected)}]`).first().waitFor({ timeout: 60_000 }).catch(() => undefined);
	return (await frames.first().getAttribute('aria-label').catch(() => null)) ?? undefined;
}

async function stepAndRead(page, key, pattern) {
	await page.keyboard.press(key);
	return topFrame(page, pattern);
}

/** The Ringside status bar item is shown while a session runs: the session is over when it goes. */
async function waitForSessionEnd(page) {
	await page.locator('.statusbar-item', { hasText: 'vring' }).first().waitFor({ state: 'hidden', timeout: 120_000 });
}

async function readDebugConsole(page) {
	await runCommand(page, 'Debug Console: Focus on Debug Console View');
	await page.waitForTimeout(1000);
	// A row also holds a hidden repeat count and the source link: only its value is the output.
	return (await page.locator('.repl .monaco-list-row .value').allTextContents()).map((t) => t.trim()).slice(-15);
}

/** Shows only the events of some kinds in the Traps view (kinds undefined: all of them). */
async function filterTraps(page, kinds) {
	await runCommand(page, 'Ringside: Filter by Kind');
	const widget = page.locator('.quick-input-widget');
	await widget.locator('.monaco-list-row').first().waitFor({ timeout: 10_000 });
	const all = widget.locator('.quick-input-check-all');
	if (!await all.isChecked()) await all.check();
	if (kinds) {
		await all.uncheck();
		for (const kind of kinds) await widget.locator('.monaco-list-row', { hasText: kind }).first().locator('input[type=checkbox]').check();
	}
	await widget.locator('.monaco-button', { hasText: 'OK' }).first().click();
	await page.waitForTimeout(1000);
}

async function demoScenario(page, results) {
	const lgdtLine = lineOf(join(demoFolder, 'kernel.asm'), /^\s*lgdt\b/);
	await openFolder(page, demoFolder);
	results.title = await page.title();
	await openAt(page, 'kernel.asm', lgdtLine);
	results.languageMode = (await page.locator('.statusbar-item[id="status.editor.mode"]').first().textContent({ timeout: 10_000 }).catch(() => null))?.trim();
	await page.keyboard.press('F9');
	await shot(page, '1-editor-with-breakpoint');
	await page.keyboard.press('F5');

	const status = page.locator('.statusbar-item', { hasText: 'vring' }).first();
	await status.waitFor({ timeout: 60_000 });
	results.stackTop = await topFrame(page, `line ${lgdtLine},`);
	await page.waitForTimeout(2000);
	results.statusBar = (await status.textContent())?.trim();

	const rows = page.locator('.debug-pane .monaco-list-row');
	for (const collapsed of await page.locator('.debug-pane .monaco-list-row[aria-expanded="false"]', { hasText: 'Registers' }).all()) await collapsed.click();
	await page.waitForTimeout(1000);
	results.variables = (await rows.evaluateAll((els) => els.map((e) => e.getAttribute('aria-label')).filter(Boolean))).slice(0, 40);
	await shot(page, '2-stopped-at-lgdt');
	// The list only renders the rows in sight: fold the registers to see every scope, then open the monitor's.
	await page.locator('.debug-variables .monaco-list-row[aria-label="Scope Registers"]').click();
	await page.waitForTimeout(800);
	results.scopes = await page.locator('.debug-variables .monaco-list-row[aria-level="1"]').evaluateAll((els) => els.map((e) => e.getAttribute('aria-label')));
	await page.locator('.debug-variables .monaco-list-row[aria-label="Scope Monitor"]').click();
	await page.waitForTimeout(800);
	results.monitorScope = await page.locator('.debug-variables .monaco-list-row[aria-level="2"]').evaluateAll((els) => els.map((e) => e.getAttribute('aria-label')));

	results.trapsStopped = await paneRows(page, 'Traps');
	results.translationCacheStopped = (await paneRows(page, 'Translation Cache')).slice(0, 10);
	await shot(page, '3-views-at-lgdt');

	// Step over the lgdt (emulated by the monitor) and the far jump that reloads CS.
	results.afterStepOverLgdt = await stepAndRead(page, 'F10', `line ${lgdtLine + 1},`);

	// Continue to the end of the demo and look at the views again.
	await page.keyboard.press('F5');
	await waitForSessionEnd(page);
	results.trapsAfterEnd = (await paneRows(page, 'Traps')).slice(0, 15);
	await shot(page, '4-after-continue');
	results.debugConsole = await readDebugConsole(page);
	await shot(page, '5-debug-console');
}

async function relocationScenario(page, results) {
	const guest = join(testsFolder, 'recursive-paging.asm');
	const pushLine = lineOf(guest, /^\s*push dword 0xA5A5A5A5\b/);
	const expected = readFileSync(join(testsFolder, 'recursive-paging.expected.txt'), 'utf8').trim().split('\n');
	await openFolder(page, testsFolder);
	// No launch.json in this folder: F5 debugs the kernel in the active editor.
	await openAt(page, 'recursive-paging.asm', pushLine);
	await page.keyboard.press('F9');
	await page.keyboard.press('F5');
	const r = {};
	results.relocation = r;
	await page.locator('.statusbar-item', { hasText: 'vring' }).first().waitFor({ timeout: 60_000 });
	r.stopped = await topFrame(page, `line ${pushLine},`);
	r.statusBar = (await page.locator('.statusbar-item', { hasText: 'vring' }).first().textContent())?.trim();
	// The stack is at 0xFFBFF000, in a slot the monitor had to leave: call and return there.
	r.afterStepOver = await stepAndRead(page, 'F10', `line ${pushLine + 1},`);
	r.afterStepInto = await stepAndRead(page, 'F11', 'add_to_pushed');
	r.afterStepOut = await stepAndRead(page, 'Shift+F11', `line ${pushLine + 2},`);
	await shot(page, '6-relocation-stepped');
	await filterTraps(page, ['monitor-relocation']);
	r.relocations = await paneRows(page, 'Traps');
	await shot(page, '7-relocation-events');
	await filterTraps(page, undefined);
	await page.keyboard.press('F5');
	await waitForSessionEnd(page);
	r.debugConsole = await readDebugConsole(page);
	// The rows in sight end the output: they must be the same lines as the end of the expected file.
	r.expectedTail = expected.slice(-r.debugConsole.length);
	await shot(page, '8-relocation-console');
}

function failuresOf(results) {
	const failures = [];
	const expect = (ok, message) => { if (!ok) failures.push(message); };
	const r = results.relocation ?? {};
	if (results.error) failures.push(results.error);
	expect(results.statusBar?.includes('vring 0'), `status bar shows "${results.statusBar}", expected vring 0`);
	expect(results.variables?.some((v) => /^eax\b/.test(v)), 'the Variables view shows no eax');
	expect(['Registers', 'Monitor', 'Descriptor Tables'].every((s) => results.scopes?.includes(`Scope ${s}`)), `scopes: ${results.scopes}`);
	expect(results.monitorScope?.includes('real CPL, value 1'), 'the Monitor scope does not show real CPL 1');
	expect(results.trapsStopped?.length > 0, 'the Traps view stayed empty');
	expect(results.translationCacheStopped?.length > 0, 'the Translation Cache view stayed empty');
	expect(results.afterStepOverLgdt?.includes('kernel.asm'), `step over lgdt: ${results.afterStepOverLgdt}`);
	expect(results.debugConsole?.at(-1)?.startsWith('exit: V=0'), 'the demo\'s last serial line is not its exit line');
	expect(r.stopped?.includes('recursive-paging.asm'), `recursive-paging: no stop at the breakpoint (${r.stopped})`);
	expect(r.statusBar?.includes('vring 0 · real 1'), `recursive-paging: status bar "${r.statusBar}"`);
	expect(r.afterStepInto?.includes('add_to_pushed'), `step into on the high stack: ${r.afterStepInto}`);
	expect(r.afterStepOut?.includes('main'), `step out of add_to_pushed: ${r.afterStepOut}`);
	expect(r.relocations?.length > 0 && r.relocations.every((t) => /^monitor-relocation .*moved the monitor's region/.test(t)),
		`the Traps view filtered by monitor-relocation shows ${JSON.stringify(r.relocations)}`);
	expect(r.debugConsole?.length >= 5 && JSON.stringify(r.debugConsole) === JSON.stringify(r.expectedTail),
		'recursive-paging: the serial output differs from recursive-paging.expected.txt');
	return failures;
}

async function main() {
	prepareProfile();
	const server = await startCodeServer();
	log(`code-server up on ${port} (pid ${server.pid})`);
	const context = await chromium.launchPersistentContext(mkdtempSync(join(jobDir, 'tmp/chromium-')), {
		executablePath: '/usr/bin/chromium', headless: true, viewport: { width: 1600, height: 1000 },
		args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
	});
	const results = {};
	const page = context.pages()[0] ?? await context.newPage();
	try {
		await demoScenario(page, results);
		await relocationScenario(page, results);
	} catch (error) {
		results.error = String(error);
		await shot(page, 'failure').catch(() => undefined);
	} finally {
		writeFileSync(join(jobDir, 'results.json'), JSON.stringify(results, null, '\t'));
		console.log(JSON.stringify(results, null, 2));
		await context.close();
		try { process.kill(-server.pid); } catch { /* already gone */ }
	}
	const failures = failuresOf(results);
	if (failures.length > 0) {
		console.error(`FAILED:\n- ${failures.join('\n- ')}`);
		process.exit(1);
	}
	log('passed');
}

main().catch((error) => {
	console.error(error);
	process.exit(1);
});
