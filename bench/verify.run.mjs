#!/usr/bin/env node
// Runs src/bench/verify.ts without a TS runner: bundle it with esbuild into dist/ (gitignored; like
// dist/agentnet.mjs, the WASM loader then finds ../build/ed25519.wasm) and call its main().
// Usage: node bench/verify.run.mjs [--rounds 7] [--batch 16,64,256]
import { spawnSync } from 'node:child_process';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { build } from 'esbuild';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const r = spawnSync(process.execPath, [join(root, 'scripts/build.mjs'), '--wasm-only', '--if-stale'], {
  stdio: 'inherit',
});
if (r.status !== 0) process.exit(r.status ?? 1);
const out = join(root, 'dist', 'bench-verify.mjs');
await build({
  entryPoints: [join(root, 'src', 'bench', 'verify.ts')],
  outfile: out,
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  logLevel: 'warning',
});
const mod = await import(pathToFileURL(out).href);
await mod.main(process.argv.slice(2));
