#!/usr/bin/env node
// Runs bench/transports.ts (bundled into dist/ by scripts/import-ts.mjs) and calls its main().
// Usage: node bench/transports.run.mjs [--agents 10] [--rounds 3] [--json FILE]
import { importTs } from '../scripts/import-ts.mjs';

const mod = await importTs('bench/transports.ts', 'dist/bench-transports.mjs', { prebuild: ['--if-stale'] });
await mod.main(process.argv.slice(2));
