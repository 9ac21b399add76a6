#!/usr/bin/env node
// Runs bench/footprint.ts (bundled into dist/ by scripts/import-ts.mjs) and calls its main().
// Usage: node bench/footprint.run.mjs [--profile rpi-zero2w] [--agents 1000] [--entries 0] [--runs 3] [--idle-ms 5000]
//        [--broker URL] [--bare] [--env K=V]... [--node-flags '...'] [--node BIN --bundle MJS] [--seed DIR] [--from DIR]
//        seed: --seed DIR --agents N --entries N [--renewed N] [--extend]
//        grid: --grid --stores DIR [--agents-list 1000,10000,100000] [--entries-list 10000,100000] [--json F] [--plot F]
//              (DIR/a{agents}-e{entries} written by --seed; each cell's restart is driven to a full binding cache)
import { importTs } from '../scripts/import-ts.mjs';

const mod = await importTs('bench/footprint.ts', 'dist/bench-footprint.mjs', { prebuild: ['--if-stale'] });
await mod.main(process.argv.slice(2));
