// Checks package.json's contributions against the code that must back them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';

const pkg = JSON.parse(readFileSync('package.json', 'utf8'));
const contributes = pkg.contributes;
const mainSource = readFileSync('src/extension/main.ts', 'utf8');

test('every contributed command has a title and an icon and is registered in main.ts', () => {
	const registered = new Set([...mainSource.matchAll(/registerCommand\('([^']+)'/g)].map((m) => m[1]));
	assert.ok(contributes.commands.length >= 6);
	for (const c of contributes.commands) {
		assert.ok(c.title, `${c.command} has a title`);
		assert.match(c.icon, /^\$\([a-z-]+\)$/, `${c.command} has an icon`);
		assert.ok(registered.has(c.command), `${c.command} is registered in main.ts`);
	}
	for (const id of registered) assert.ok(contributes.commands.some((c: { command: string }) => c.command === id), `${id} is contributed`);
});

test('menus name contributed commands and views with view/viewItem when-clauses', () => {
	const commands = new Set(contributes.commands.map((c: { command: string }) => c.command));
	const views = new Set(contributes.views.debug.map((v: { id: string }) => v.id));
	assert.deepEqual([...views], ['ringside.traps', 'ringside.translationCache']);
	for (const [menu, items] of Object.entries(contributes.menus) as [string, { command: string; when: string }[]][]) {
		for (const item of items) {
			assert.ok(commands.has(item.command), `${menu}: ${item.command} is contributed`);
			if (menu === 'commandPalette') continue;
			const view = item.when.match(/view == ([\w.]+)/)?.[1];
			assert.ok(view && views.has(view), `${menu}: ${item.command} names a view of ours`);
			if (menu === 'view/item/context') assert.match(item.when, /viewItem == ringside\./);
		}
	}
	// Context values the tree items set must be the ones the menus test.
	const itemSources = readFileSync('src/extension/traps-view.ts', 'utf8') + readFileSync('src/extension/translation-cache-view.ts', 'utf8');
	for (const item of contributes.menus['view/item/context']) {
		const value = item.when.match(/viewItem == ([\w.]+)/)[1];
		assert.ok(itemSources.includes(`'${value}'`), `a tree item sets contextValue ${value}`);
	}
});

test('the launch schema covers every attribute the adapter reads, with descriptions and defaults', () => {
	const debuggerContribution = contributes.debuggers.find((d: { type: string }) => d.type === 'ringside');
	assert.equal(debuggerContribution.label, 'Ringside x86 VMM');
	const properties = debuggerContribution.configurationAttributes.launch.properties;
	const launchSource = readFileSync('src/debug/launch-config.ts', 'utf8');
	const destructured = launchSource.match(/const \{([^}]+)\} = args;/);
	assert.ok(destructured, 'src/debug/launch-config.ts destructures the launch arguments');
	const read = destructured[1].split(',').map((part) => part.split('=')[0].trim()).filter((s) => s !== '');
	assert.deepEqual(read.sort(), Object.keys(properties).sort());
	for (const [name, schema] of Object.entries(properties) as [string, { description?: string; default?: unknown }][]) {
		assert.ok(schema.description, `${name} has a description`);
		assert.ok('default' in schema, `${name} has a default`);
	}
	assert.deepEqual(properties.virtualization.enum, ['binary-translation', 'trap-and-emulate', 'native']);
	assert.equal(properties.virtualization.enumDescriptions.length, 3);
	assert.deepEqual(debuggerContribution.configurationAttributes.launch.required, ['program']);
	const snippetModes = debuggerContribution.configurationSnippets.map((s: { body: { virtualization: string } }) => s.body.virtualization);
	assert.deepEqual(snippetModes, properties.virtualization.enum);
});

test('language, grammar, breakpoints, activation and packaging fields are wired', () => {
	const language = contributes.languages[0];
	assert.equal(language.id, 'ringside-asm');
	assert.deepEqual(language.extensions, ['.asm', '.nasm', '.inc']);
	assert.ok(language.aliases.includes('x86 Assembly (NASM)'));
	const configuration = JSON.parse(readFileSync(language.configuration, 'utf8'));
	assert.equal(configuration.comments.lineComment, ';');
	assert.ok(existsSync(contributes.grammars[0].path));
	assert.deepEqual(contributes.breakpoints.map((b: { language: string }) => b.language), ['ringside-asm', 'c']);
	for (const event of ['onDebugResolve:ringside', 'onLanguage:ringside-asm', 'onView:ringside.traps']) assert.ok(pkg.activationEvents.includes(event), event);
	assert.ok(existsSync(pkg.icon));
	assert.ok(pkg.repository.url);
	assert.equal(pkg.engines.vscode, '^1.99.0');
	assert.ok(existsSync('LICENSE') && readFileSync('LICENSE', 'utf8').includes('Copyright (c) 2026 the Ringside authors'));
});

test('the icon is a 128x128 PNG', () => {
	const png = readFileSync(pkg.icon);
	assert.equal(png.subarray(1, 4).toString('ascii'), 'PNG');
	assert.equal(png.readUInt32BE(16), 128);
	assert.equal(png.readUInt32BE(20), 128);
});
