// Bundles the four entry points with esbuild. iced-x86 loads its WebAssembly
// from the directory of the bundle, so the .wasm is copied beside them.
import { build } from 'esbuild';
import { copyFileSync, mkdirSync, chmodSync } from 'node:fs';

const entries = {
	extension: 'src/extension/main.ts',
	adapter: 'src/debug/adapter-main.ts',
	'language-server': 'src/language/server-main.ts',
	cli: 'src/cli/main.ts',
};

mkdirSync('dist', { recursive: true });
await Promise.all(Object.entries(entries).map(([name, entry]) => build({
	entryPoints: [entry],
	outfile: `dist/${name}.js`,
	bundle: true,
	platform: 'node',
	target: 'node20',
	format: 'cjs',
	sourcemap: true,
	external: ['vscode'],
	banner: name === 'cli' ? { js: '#!/usr/bin/env node' } : undefined,
	logLevel: 'warning',
})));
copyFileSync('node_modules/iced-x86/iced_x86_bg.wasm', 'dist/iced_x86_bg.wasm');
chmodSync('dist/cli.js', 0o755);
