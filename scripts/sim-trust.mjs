#!/usr/bin/env node
// Runs the full MG-EigenTrust experiment with the WASM kernel and prints the table and JSON.
// Usage: node scripts/sim-trust.mjs [--seeds 30] [--attackers 20] [--spies 5] [--from code_generation]
//        [--to code_review_security] [--threat A|B|C|D] [--camouflage 0.5] [--epochs 50] [--spies-in-target]
//        [--methods mg,mg-noSlash] [--json out.json] [--bench]
// Bundles the TypeScript sources with esbuild into a temp file first (no build outputs are written to the tree).
import { build } from 'esbuild';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const argv = process.argv.slice(2);
const arg = (k) => {
  const i = argv.indexOf(`--${k}`);
  return i >= 0 ? argv[i + 1] : undefined;
};
const out = join(mkdtempSync(join(tmpdir(), 'agentnet-sim-')), 'entry.mjs');
const entry = `
import { runTrustExperiment, formatTrustTable } from ${JSON.stringify(join(root, 'src/sim/trust/index.ts'))};
import { loadEigenTrust } from ${JSON.stringify(join(root, 'src/runtime/wasm/eigentrust.ts'))};
import { benchTrust, formatTrustBench } from ${JSON.stringify(join(root, 'src/bench/trust.ts'))};
export { runTrustExperiment, formatTrustTable, loadEigenTrust, benchTrust, formatTrustBench };`;
await build({
  stdin: { contents: entry, resolveDir: root, loader: 'ts' },
  bundle: true,
  platform: 'node',
  format: 'esm',
  outfile: out,
  logLevel: 'warning',
  define: { 'import.meta.url': JSON.stringify(pathToFileURL(join(root, 'src/runtime/wasm/eigentrust.ts')).href) },
});
const m = await import(pathToFileURL(out).href);
if (argv.includes('--bench')) {
  console.log(m.formatTrustBench(m.benchTrust({ sizes: [1000, 10000, 100000], rounds: Number(arg('rounds') ?? 5) })));
  process.exit(0);
}
const opts = { seeds: Number(arg('seeds') ?? 30), iterate: m.loadEigenTrust() };
for (const [k, key, f] of [
  ['attackers', 'attackers', Number],
  ['spies', 'spies', Number],
  ['from', 'fromTopic', String],
  ['to', 'toTopic', String],
  ['threat', 'threat', String],
  ['camouflage', 'camouflage', Number],
  ['epochs', 'epochs', Number],
  ['nodes', 'nodes', Number],
]) {
  if (arg(k) !== undefined) opts[key] = f(arg(k));
}
if (argv.includes('--spies-in-target')) opts.spiesInTarget = true;
if (arg('methods')) opts.methods = arg('methods').split(',');
const t0 = process.hrtime.bigint();
let last = -1;
opts.onProgress = (d, t) => {
  const pc = Math.floor((100 * d) / t);
  if (pc >= last + 10) {
    last = pc;
    process.stderr.write(`${pc}% `);
  }
};
const r = m.runTrustExperiment(opts);
process.stderr.write(`\n${(Number(process.hrtime.bigint() - t0) / 1e9).toFixed(1)} s\n`);
console.log(m.formatTrustTable(r));
if (arg('json')) writeFileSync(arg('json'), JSON.stringify(r, null, 2));
