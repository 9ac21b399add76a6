#!/usr/bin/env node
// Runs bench/store-append.ts (bundled into dist/ by scripts/import-ts.mjs) and calls its main(): the store's CPU per
// received entry by transaction size and synchronous mode (docs/devices.md "Ingest").
// Usage: node bench/store-append.run.mjs [--runs 3]
import { importTs } from '../scripts/import-ts.mjs';

const mod = await importTs('bench/store-append.ts', 'dist/bench-store-append.mjs');
mod.main(process.argv.slice(2));
