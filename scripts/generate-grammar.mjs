// Writes syntaxes/ringside-asm.tmLanguage.json from the instruction table
// (src/language/grammar.ts does the work). Run after changing the table:
//   node scripts/generate-grammar.mjs
// test/extension/grammar.test.ts fails while the committed grammar is stale.
import { writeFileSync } from 'node:fs';
import { tsImport } from 'tsx/esm/api';

const { grammarText } = await tsImport('../src/language/grammar.ts', import.meta.url);
const out = new URL('../syntaxes/ringside-asm.tmLanguage.json', import.meta.url);
writeFileSync(out, grammarText());
console.log(`wrote ${out.pathname}`);
