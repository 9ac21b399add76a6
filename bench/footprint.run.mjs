#!/usr/bin/env node
// Runs bench/footprint.ts (bundled into dist/ by scripts/import-ts.mjs) and calls its main().
// Usage: node bench/footprint.run.mjs [--profile rpi-zero2w] [--agents 1000] [--entries 0] [--runs 3] [--idle-ms 5000]
//        [--broker URL] [--bare] [--env K=V]... [--node-flags '...'] [--node BIN --bundle MJS] [--seed DIR] [--from DIR]
import { importTs } from '../scripts/import-ts.mjs';

const mod = await importTs('bench/footprint.ts', 'dist/bench-footprint.mjs', { prebuild: ['--if-stale'] });
await mod.main(process.argv.slice(2));
