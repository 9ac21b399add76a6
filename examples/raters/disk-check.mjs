#!/usr/bin/env node
// An exec rater (docs/adapters.md) for disk-report.mjs artefacts: the report is for this task, its numbers
// are consistent (used + available <= size, the percentage is df's ceil(used / (used + available))) and it
// names the same file system as `df -Pk` on the same path here. 1000 when all hold, 500 when only the
// arithmetic does, else 0.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

const { task, artefact } = JSON.parse(readFileSync(0, 'utf8'));
let a;
try {
  a = JSON.parse(artefact);
} catch {
  console.log(0);
  process.exit(0);
}
const arithmetic =
  a?.task === task.id &&
  a.usedKb + a.availKb <= a.sizeKb &&
  a.usedKb + a.availKb > 0 &&
  Math.abs(a.usePercent - Math.ceil((100 * a.usedKb) / (a.usedKb + a.availKb))) <= 1;
let same = false;
try {
  const fs = execFileSync('df', ['-Pk', a.path], { encoding: 'utf8' }).trim().split('\n').at(-1).split(/\s+/)[0];
  same = fs === a.filesystem;
} catch {
  same = false;
}
console.log(arithmetic ? (same ? 1000 : 500) : 0);
