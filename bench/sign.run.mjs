#!/usr/bin/env node
// Runs bench/sign.ts (bundled into dist/ by scripts/import-ts.mjs) and calls its main().
// Usage: node bench/sign.run.mjs [--rounds 7]
import { importTs } from '../scripts/import-ts.mjs';

const mod = await importTs('bench/sign.ts', 'dist/bench-sign.mjs');
await mod.main(process.argv.slice(2));
