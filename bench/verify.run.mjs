#!/usr/bin/env node
// Runs src/bench/verify.ts (bundled into dist/ by scripts/import-ts.mjs) and calls its main().
// Usage: node bench/verify.run.mjs [--rounds 7] [--batch 16,64,256]
import { importTs } from '../scripts/import-ts.mjs';

const mod = await importTs('src/bench/verify.ts', 'dist/bench-verify.mjs', { prebuild: ['--wasm-only', '--if-stale'] });
await mod.main(process.argv.slice(2));
