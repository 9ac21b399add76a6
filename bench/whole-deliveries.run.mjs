#!/usr/bin/env node
// Runs bench/whole-deliveries.ts (bundled into dist/ by scripts/import-ts.mjs) and calls its main().
// Usage: node bench/whole-deliveries.run.mjs count 30 10 10 mg 1 | floor 50 200
import { importTs } from '../scripts/import-ts.mjs';

const mod = await importTs('bench/whole-deliveries.ts', 'dist/bench-whole-deliveries.mjs');
mod.main(process.argv.slice(2));
