#!/usr/bin/env node
// Bundles scripts/sim-main.ts with esbuild (into build/, inside the project so packages resolve) and
// runs it: the full-size experiments run here, outside vitest. See docs/simulator.md.
import { importTs } from './import-ts.mjs';

const { main } = await importTs('scripts/sim-main.ts', 'build/sim-main.mjs');
main(process.argv.slice(2));
