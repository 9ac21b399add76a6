#!/usr/bin/env node
// An exec rater (docs/adapters.md): checks a csv-stats artefact against the task's own CSV. Reads
// {task: {id, topic, tags, text, budget}, artefact} on stdin and prints a score 0..1000: the share of
// numeric columns whose count, sum and mean in the artefact match a recomputation (mean within 1e-6),
// times 1000; 0 for an artefact that is not such JSON or names another task.
import { readFileSync } from 'node:fs';

const { task, artefact } = JSON.parse(readFileSync(0, 'utf8'));
let a;
try {
  a = JSON.parse(artefact);
} catch {
  console.log(0);
  process.exit(0);
}
const lines = String(task.text).split(/\r?\n/);
const start = lines.findIndex((l) => l.includes(','));
const rows =
  start < 0
    ? []
    : lines
        .slice(start)
        .filter((l) => l.trim())
        .map((l) => l.split(',').map((c) => c.trim()));
const [header = [], ...data] = rows;
let numeric = 0;
let right = 0;
header.forEach((name, i) => {
  const xs = data
    .map((r) => r[i])
    .filter((v) => v !== undefined && v !== '' && Number.isFinite(Number(v)))
    .map(Number);
  if (xs.length === 0 || xs.length < data.length / 2) return;
  numeric++;
  const sum = xs.reduce((x, y) => x + y, 0);
  const c = a?.columns?.[name];
  if (c && c.count === xs.length && Math.abs(c.sum - sum) < 1e-6 && Math.abs(c.mean - sum / xs.length) < 1e-6) right++;
});
console.log(a?.task === task.id && numeric > 0 ? Math.round((1000 * right) / numeric) : 0);
