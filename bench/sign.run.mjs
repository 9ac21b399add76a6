#!/usr/bin/env node
// Runs bench/sign.ts without a TS runner (bundled with esbuild into dist/, gitignored).
// Usage: node bench/sign.run.mjs [--rounds 7]
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { build } from 'esbuild';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const out = join(root, 'dist', 'bench-sign.mjs');
await build({
  entryPoints: [join(root, 'bench', 'sign.ts')],
  outfile: out,
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  logLevel: 'warning',
});
const mod = await import(pathToFileURL(out).href);
mod.main(process.argv.slice(2));
