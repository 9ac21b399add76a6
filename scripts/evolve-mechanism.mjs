#!/usr/bin/env node
// Runs the mechanism-generation loop (src/sim/market/evolve.ts) from the sources: bundles
// scripts/market/evolve-main.ts with esbuild into build/ (like gen-fixtures.mjs) and runs it.
//   node scripts/evolve-mechanism.mjs [--rounds K] [--seed S | --seeds 1,2,3] [--attributor builtin|llm] [--llm-url URL] [--json FILE] [--quiet]
// With --seeds it exits 1 unless every seed meets the issue-6 targets (0 IC, 0 IR, loss <= 10% of naive,
// regression pass 1.0 at every accepted version).
import { writeFileSync } from 'node:fs';
import { importTs } from './import-ts.mjs';

const { main } = await importTs('scripts/market/evolve-main.ts', 'build/evolve-mechanism.mjs');
const argv = process.argv.slice(2);
const results = await main(argv);
const j = argv.indexOf('--json');
if (j >= 0 && argv[j + 1])
  writeFileSync(argv[j + 1], JSON.stringify(results.length === 1 ? results[0] : results, null, 2) + '\n');
if (argv.includes('--seeds')) {
  const bad = results.filter(
    (r) =>
      r.final.icViolations ||
      r.final.irViolations ||
      r.final.systemLoss > 0.1 * r.naive.systemLoss ||
      r.rounds.some((x) => x.accepted && x.regressionPass !== 1),
  );
  console.log(
    bad.length
      ? `targets missed for seeds ${bad.map((r) => r.seed).join(',')}`
      : `targets met for all ${results.length} seeds`,
  );
  process.exit(bad.length ? 1 : 0);
}
