#!/usr/bin/env node
// Fills the generated blocks of docs/spec/*.md (field tables from the codec's tables, the sketch's worked
// example, the test vectors from test/fixtures/golden.json) from test/spec/generate.ts. Run it after a
// table or a fixture changes; test/unit/spec-doc.test.ts fails until the documents match the codec.
import { build } from 'esbuild';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const out = join(root, 'build', 'gen-spec.mjs'); // inside the project so packages resolve
mkdirSync(join(root, 'build'), { recursive: true });
await build({
  entryPoints: [join(root, 'test/spec/generate.ts')],
  outfile: out,
  bundle: true,
  platform: 'node',
  format: 'esm',
  packages: 'external',
  logLevel: 'warning',
  absWorkingDir: root,
  nodePaths: [join(root, 'node_modules')],
});
const { renderSpec } = await import(pathToFileURL(out).href);
const golden = JSON.parse(readFileSync(join(root, 'test/fixtures/golden.json'), 'utf8'));
const dir = join(root, 'docs/spec');
for (const f of readdirSync(dir).filter((x) => x.endsWith('.md'))) {
  const p = join(dir, f);
  const before = readFileSync(p, 'utf8');
  const after = renderSpec(before, golden);
  if (after !== before) {
    writeFileSync(p, after);
    console.log(`wrote docs/spec/${f}`);
  }
}
