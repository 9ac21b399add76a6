#!/usr/bin/env node
// An exec worker (docs/adapters.md): statistics of the CSV in the task's text. Reads the task as JSON on
// stdin ({id, topic, tags, text, budget, requester, deadline}); the CSV is the text from its first line
// that has a comma (a header row, then data rows). Writes JSON on stdout: rows, and per numeric column
// count, sum, mean, min, max and the sample standard deviation. Exits 1 (no delivery) when there is no CSV.
import { readFileSync } from 'node:fs';

const task = JSON.parse(readFileSync(0, 'utf8'));
const lines = String(task.text).split(/\r?\n/);
const start = lines.findIndex((l) => l.includes(','));
if (start < 0) {
  console.error('csv-stats: the task text has no CSV (a header row with commas, then rows)');
  process.exit(1);
}
const rows = lines
  .slice(start)
  .filter((l) => l.trim())
  .map((l) => l.split(',').map((c) => c.trim()));
const [header, ...data] = rows;
const columns = {};
header.forEach((name, i) => {
  const xs = data
    .map((r) => r[i])
    .filter((v) => v !== undefined && v !== '' && Number.isFinite(Number(v)))
    .map(Number);
  if (xs.length === 0 || xs.length < data.length / 2) return; // not a numeric column
  const sum = xs.reduce((a, b) => a + b, 0);
  const mean = sum / xs.length;
  const sd = xs.length > 1 ? Math.sqrt(xs.reduce((a, b) => a + (b - mean) ** 2, 0) / (xs.length - 1)) : 0;
  const r = (x) => Math.round(x * 1e6) / 1e6;
  columns[name] = {
    count: xs.length,
    sum: r(sum),
    mean: r(mean),
    min: Math.min(...xs),
    max: Math.max(...xs),
    sd: r(sd),
  };
});
process.stdout.write(JSON.stringify({ task: task.id, rows: data.length, columns }) + '\n');
