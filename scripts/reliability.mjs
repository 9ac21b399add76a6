#!/usr/bin/env node
// `npm run test:reliability`: the full reliability campaign (docs/reliability.md) with its full sizes, then the table.
// CI runs the same tests with reduced sizes as part of `npm test`.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const out = join(root, 'test-output', 'reliability.jsonl');
rmSync(out, { force: true });
const env = {
  ...process.env,
  AGENTNET_FUZZ_N: process.env.AGENTNET_FUZZ_N ?? '1000000',
  AGENTNET_KILLS: process.env.AGENTNET_KILLS ?? '50',
  AGENTNET_CHECKPOINT_KILLS: process.env.AGENTNET_CHECKPOINT_KILLS ?? '50',
  AGENTNET_HOSTILE_N: process.env.AGENTNET_HOSTILE_N ?? '10000',
  AGENTNET_OUTAGE_S: process.env.AGENTNET_OUTAGE_S ?? '30',
  AGENTNET_DISKFULL_CYCLES: process.env.AGENTNET_DISKFULL_CYCLES ?? '5',
  AGENTNET_SOAK_S: process.env.AGENTNET_SOAK_S ?? '600',
  AGENTNET_SOAK_NODES: process.env.AGENTNET_SOAK_NODES ?? '10',
  AGENTNET_FLOOD_S: process.env.AGENTNET_FLOOD_S ?? '60',
};
const r = spawnSync(
  process.execPath,
  [join(root, 'node_modules/vitest/vitest.mjs'), 'run', 'test/reliability', ...process.argv.slice(2)],
  { cwd: root, env, stdio: 'inherit' },
);
const rows = existsSync(out)
  ? readFileSync(out, 'utf8')
      .trim()
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l))
  : [];
console.log('\n| item | figure measured | ok |\n|---|---|---|');
for (const x of rows) console.log(`| ${x.item} | ${x.figure} | ${x.ok ? 'yes' : 'NO'} |`);
process.exit(r.status ?? 1);
