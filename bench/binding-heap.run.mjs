#!/usr/bin/env node
// Runs bench/binding-heap.ts (bundled into dist/ by scripts/import-ts.mjs) and calls its main().
// Usage: node bench/binding-heap.run.mjs [--n 2048] [--rounds 3]
import { importTs } from '../scripts/import-ts.mjs';

const mod = await importTs('bench/binding-heap.ts', 'dist/bench-binding-heap.mjs');
await mod.main(process.argv.slice(2));
