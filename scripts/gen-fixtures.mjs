#!/usr/bin/env node
// Regenerates test/fixtures/golden.json from test/fixtures/generate.ts (fixed seeds). Only run this
// when a wire format change is intended; the diff of golden.json is then part of the review.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { importTs, root } from './import-ts.mjs';

const { generateGolden } = await importTs('test/fixtures/generate.ts', 'build/gen-fixtures.mjs');
writeFileSync(join(root, 'test/fixtures/golden.json'), JSON.stringify(generateGolden(), null, 2) + '\n');
console.log('wrote test/fixtures/golden.json');
