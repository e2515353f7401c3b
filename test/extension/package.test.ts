// Packages the extension with vsce (as `npm run package` does, after the build that
// `npm test` runs first) and checks what the .vsix holds: the bundles and assets,
// and none of the sources or dependencies.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Names in a zip's central directory. */
function zipEntries(zip: Buffer): string[] {
	const eocd = zip.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]));
	assert.ok(eocd >= 0, 'the .vsix is a zip file');
	const count = zip.readUInt16LE(eocd + 10);
	let at = zip.readUInt32LE(eocd + 16);
	const names: string[] = [];
	for (let i = 0; i < count; i++) {
		assert.equal(zip.readUInt32LE(at), 0x02014b50, 'central directory entry');
		const nameLength = zip.readUInt16LE(at + 28), extraLength = zip.readUInt16LE(at + 30), commentLength = zip.readUInt16LE(at + 32);
		names.push(zip.subarray(at + 46, at + 46 + nameLength).toString('utf8'));
		at += 46 + nameLength + extraLength + commentLength;
	}
	return names;
}

test('vsce packages the bundles, assets and metadata, and no sources or node_modules', () => {
	for (const bundle of ['dist/extension.js', 'dist/adapter.js', 'dist/language-server.js']) {
		assert.ok(existsSync(bundle), `${bundle} exists (run npm run build first)`);
	}
	const out = join(mkdtempSync(join(tmpdir(), 'ringside-vsix-')), 'ringside.vsix');
	const vsce = spawnSync(process.execPath, ['node_modules/@vscode/vsce/vsce', 'package', '--no-dependencies', '--out', out], { encoding: 'utf8', timeout: 60_000 });
	assert.equal(vsce.status, 0, `vsce failed:\n${vsce.stdout}\n${vsce.stderr}`);
	const names = zipEntries(readFileSync(out)).map((n) => n.replace(/^extension\//, ''));
	for (const expected of ['package.json', 'dist/extension.js', 'dist/adapter.js', 'dist/language-server.js', 'dist/iced_x86_bg.wasm',
		'syntaxes/ringside-asm.tmLanguage.json', 'language-configuration.json', 'media/icon.png', 'media/block.css', 'media/block.js',
		'LICENSE.txt', 'readme.md']) {
		assert.ok(names.some((n) => n.toLowerCase() === expected.toLowerCase()), `${expected} is in the .vsix (has: ${names.join(', ')})`);
	}
	for (const n of names) assert.doesNotMatch(n, /^(src|test|node_modules|scripts)\/|\.map$|\.ts$/, `${n} should not be packaged`);
});
