#!/usr/bin/env node
// Runs bench/declarations.ts (bundled into dist/ by scripts/import-ts.mjs) and calls its main().
// Usage: node bench/declarations.run.mjs [--sizes 1000,30000,100000] [--runs 5] [--json FILE]
import { importTs } from '../scripts/import-ts.mjs';

const mod = await importTs('bench/declarations.ts', 'dist/bench-declarations.mjs', { prebuild: ['--if-stale'] });
await mod.main(process.argv.slice(2));
