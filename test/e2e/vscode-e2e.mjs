// End-to-end scenario in a real VS Code workbench (code-server + Chromium, driven by
// playwright-core): loads the extension from this checkout, opens examples/demo,
// sets a breakpoint on the `lgdt` line, starts debugging with F5, and checks the
// status bar, the Variables view and the Traps view. Screenshots go to the job folder.
// Not part of `npm test`: see test/e2e/README.md for the one-time setup.
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
const workspace = join(repo, 'examples/demo');
const kernel = join(workspace, 'kernel.asm');

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

async function runCommand(page, title) {
	for (let attempt = 0; attempt < 5; attempt++) {
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
	throw new Error(`command not found in the palette: ${title}`);
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

async function main() {
	prepareProfile();
	const lgdtLine = readFileSync(kernel, 'utf8').split('\n').findIndex((l) => /^\s*lgdt\b/.test(l)) + 1;
	if (lgdtLine === 0) throw new Error('examples/demo/kernel.asm has no lgdt line');
	const server = await startCodeServer();
	log(`code-server up on ${port} (pid ${server.pid})`);
	const context = await chromium.launchPersistentContext(mkdtempSync(join(jobDir, 'tmp/chromium-')), {
		executablePath: '/usr/bin/chromium', headless: true, viewport: { width: 1600, height: 1000 },
		args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
	});
	const results = {};
	const page = context.pages()[0] ?? await context.newPage();
	try {
		const payload = JSON.stringify([['extensionDevelopmentPath', `vscode-remote://127.0.0.1:${port}${repo}`]]);
		await page.goto(`http://127.0.0.1:${port}/?folder=${encodeURIComponent(workspace)}&payload=${encodeURIComponent(payload)}`);
		await page.locator('.monaco-workbench').waitFor({ timeout: 60_000 });
		await page.waitForTimeout(3000);
		results.title = await page.title();

		// Open the kernel: the grammar colours it and the language server analyses it.
		await page.keyboard.press('Control+P');
		await page.locator('.quick-input-widget input.input').fill('kernel.asm');
		await page.locator('.quick-input-widget .monaco-list-row', { hasText: 'kernel.asm' }).first().click();
		await page.locator('.monaco-editor .view-lines').first().waitFor();
		await page.waitForTimeout(2000);
		results.languageMode = (await page.locator('.statusbar-item[id="status.editor.mode"]').first().textContent({ timeout: 10_000 }).catch(() => null))?.trim();

		// Breakpoint on the lgdt line, then F5.
		await page.keyboard.press('Control+G');
		await page.locator('.quick-input-widget input.input').fill(`:${lgdtLine}`);
		await page.keyboard.press('Enter');
		await page.keyboard.press('F9');
		await shot(page, '1-editor-with-breakpoint');
		await page.keyboard.press('F5');

		const status = page.locator('.statusbar-item', { hasText: 'vring' }).first();
		await status.waitFor({ timeout: 60_000 });
		await page.locator('.debug-call-stack .monaco-list-row', { hasText: /ring/ }).first().waitFor({ timeout: 60_000 }).catch(() => undefined);
		await page.waitForTimeout(2000);
		results.statusBar = (await status.textContent())?.trim();
		results.stackTop = (await page.locator('.debug-call-stack .monaco-list-row').allTextContents()).slice(0, 3);

		const rows = page.locator('.debug-pane .monaco-list-row');
		for (const collapsed of await page.locator('.debug-pane .monaco-list-row[aria-expanded="false"]', { hasText: 'Registers' }).all()) await collapsed.click();
		await page.waitForTimeout(1000);
		results.variables = (await rows.evaluateAll((els) => els.map((e) => e.getAttribute('aria-label')).filter(Boolean))).slice(0, 40);
		await shot(page, '2-stopped-at-lgdt');

		results.trapsStopped = await paneRows(page, 'Traps');
		results.translationCacheStopped = (await paneRows(page, 'Translation Cache')).slice(0, 10);
		await shot(page, '3-views-at-lgdt');

		// Continue to the end of the demo (or to the next stop) and look at the views again.
		await page.keyboard.press('F5');
		await page.waitForTimeout(6000);
		results.trapsAfterContinue = (await paneRows(page, 'Traps')).slice(0, 15);
		results.statusAfterContinue = (await page.locator('.statusbar-item', { hasText: 'vring' }).first().textContent().catch(() => null))?.trim();
		await shot(page, '4-after-continue');
		await runCommand(page, 'Debug Console: Focus on Debug Console View');
		await page.waitForTimeout(1000);
		results.debugConsole = (await page.locator('.repl .monaco-list-row').allTextContents()).slice(-15);
		await shot(page, '5-debug-console');
	} catch (error) {
		results.error = String(error);
		await shot(page, 'failure').catch(() => undefined);
	} finally {
		writeFileSync(join(jobDir, 'results.json'), JSON.stringify(results, null, '\t'));
		console.log(JSON.stringify(results, null, 2));
		await context.close();
		try { process.kill(-server.pid); } catch { /* already gone */ }
	}
	const failures = [];
	if (!results.statusBar?.includes('vring 0')) failures.push(`status bar shows "${results.statusBar}", expected vring 0`);
	if (!results.variables?.some((v) => /^eax\b/.test(v))) failures.push('the Variables view shows no eax');
	if (!(results.trapsAfterContinue?.length > 0 || results.trapsStopped?.length > 0)) failures.push('the Traps view stayed empty');
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
