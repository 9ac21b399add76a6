#!/usr/bin/env node
// An exec rater (docs/adapters.md) for code-review.mjs artefacts: 0 unless the artefact is JSON for this
// task; otherwise 1000 x the share of findings that point at a real line of the submitted code (1..lines,
// and that line is not blank), with `lines` equal to the code's line count and a summary that counts them.
import { readFileSync } from 'node:fs';

const { task, artefact } = JSON.parse(readFileSync(0, 'utf8'));
let a;
try {
  a = JSON.parse(artefact);
} catch {
  console.log(0);
  process.exit(0);
}
const src = String(task.text).split(/\r?\n/);
if (a?.task !== task.id || a.lines !== src.length || !Array.isArray(a.findings)) {
  console.log(0);
  process.exit(0);
}
if (a.findings.length === 0) {
  console.log(a.summary === 'no findings' ? 1000 : 0);
  process.exit(0);
}
const real = a.findings.filter(
  (f) => Number.isInteger(f.line) && f.line >= 1 && f.line <= src.length && src[f.line - 1].trim(),
).length;
const counted = String(a.summary).startsWith(`${a.findings.length} findings`);
console.log(counted ? Math.round((1000 * real) / a.findings.length) : 0);
