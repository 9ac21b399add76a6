#!/usr/bin/env node
// Regenerates test/fixtures/golden.json from test/fixtures/generate.ts (fixed seeds). Only run this
// when a wire format change is intended; the diff of golden.json is then part of the review.
import { build } from 'esbuild';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const out = join(root, 'build', 'gen-fixtures.mjs'); // inside the project so packages resolve
mkdirSync(join(root, 'build'), { recursive: true });
await build({
  entryPoints: [join(root, 'test/fixtures/generate.ts')],
  outfile: out,
  bundle: true,
  platform: 'node',
  format: 'esm',
  packages: 'external',
  logLevel: 'warning',
  absWorkingDir: root,
  nodePaths: [join(root, 'node_modules')],
});
const { generateGolden } = await import(pathToFileURL(out).href);
writeFileSync(join(root, 'test/fixtures/golden.json'), JSON.stringify(generateGolden(), null, 2) + '\n');
console.log('wrote test/fixtures/golden.json');
