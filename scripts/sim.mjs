#!/usr/bin/env node
// Bundles scripts/sim-main.ts with esbuild (into build/, inside the project so packages resolve) and
// runs it: the full-size experiments run here, outside vitest. See docs/simulator.md.
import { build } from 'esbuild';
import { mkdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const out = join(root, 'build', 'sim-main.mjs');
mkdirSync(join(root, 'build'), { recursive: true });
await build({
  entryPoints: [join(root, 'scripts/sim-main.ts')],
  outfile: out,
  bundle: true,
  platform: 'node',
  format: 'esm',
  packages: 'external',
  logLevel: 'warning',
  absWorkingDir: root,
  nodePaths: [join(root, 'node_modules')],
});
const { main } = await import(pathToFileURL(out).href);
main(process.argv.slice(2));
