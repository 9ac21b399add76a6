#!/usr/bin/env node
// Runs bench/footprint.ts without a TS runner: bundle it with esbuild into dist/ (gitignored; like
// dist/agentnet.mjs, the WASM loader then finds ../build/ed25519.wasm) and call its main().
// Usage: node bench/footprint.run.mjs [--profile rpi-zero2w] [--agents 1000] [--entries 0] [--runs 3] [--idle-ms 5000]
//        [--broker URL] [--bare] [--env K=V]... [--node-flags '...'] [--node BIN --bundle MJS] [--seed DIR]
import { spawnSync } from 'node:child_process';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { build } from 'esbuild';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const r = spawnSync(process.execPath, [join(root, 'scripts/build.mjs'), '--if-stale'], { stdio: 'inherit' });
if (r.status !== 0) process.exit(r.status ?? 1);
const out = join(root, 'dist', 'bench-footprint.mjs');
await build({
  entryPoints: [join(root, 'bench', 'footprint.ts')],
  outfile: out,
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  logLevel: 'warning',
  external: ['better-sqlite3'],
  banner: { js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);" },
});
const mod = await import(pathToFileURL(out).href);
await mod.main(process.argv.slice(2));
