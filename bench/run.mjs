// `npm run bench` entry: the harness is TypeScript (type-checked with the rest of
// the tree and importing Ringside's assembler), so it runs through tsx.
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const result = spawnSync(process.execPath, ['--import', 'tsx', join(here, 'harness', 'main.ts'), ...process.argv.slice(2)], { stdio: 'inherit' });
if (result.error) {
	process.stderr.write(`bench: cannot start the harness: ${result.error.message}\n`);
	process.exit(1);
}
process.exit(result.status ?? 1);
