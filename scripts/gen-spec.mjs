#!/usr/bin/env node
// Fills the generated blocks of docs/spec/*.md (field tables from the codec's tables, the sketch's worked
// example, the test vectors from test/fixtures/golden.json) from test/spec/generate.ts. Run it after a
// table or a fixture changes; test/unit/spec-doc.test.ts fails until the documents match the codec.
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { importTs, root } from './import-ts.mjs';

const { renderSpec } = await importTs('test/spec/generate.ts', 'build/gen-spec.mjs');
const golden = JSON.parse(readFileSync(join(root, 'test/fixtures/golden.json'), 'utf8'));
const dir = join(root, 'docs/spec');
for (const f of readdirSync(dir).filter((x) => x.endsWith('.md'))) {
  const p = join(dir, f);
  const before = readFileSync(p, 'utf8');
  const after = renderSpec(before, golden);
  if (after !== before) {
    writeFileSync(p, after);
    console.log(`wrote docs/spec/${f}`);
  }
}
