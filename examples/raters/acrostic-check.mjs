#!/usr/bin/env node
// An exec rater (docs/adapters.md) for acrostics: the word is read from the task's text as the worker reads
// it ("word: agents"); the score is 1000 x the share of the word's letters that begin their line (case
// folded; a leading "eX" counts as x), with one line per letter and at least three words on each; 0 when
// the line count is wrong.
import { readFileSync } from 'node:fs';

const { task, artefact } = JSON.parse(readFileSync(0, 'utf8'));
const word = (
  /word:\s*([A-Za-z]+)/.exec(String(task.text))?.[1] ??
  String(task.text).match(/[A-Za-z]+/)?.[0] ??
  ''
).toLowerCase();
const lines = String(artefact).trim().split('\n');
if (!word || lines.length !== word.length) {
  console.log(0);
  process.exit(0);
}
const first = (l) => (l.startsWith('eX') ? 'x' : l[0]?.toLowerCase());
const good = lines.filter((l, i) => first(l) === word[i] && l.trim().split(/\s+/).length >= 3).length;
console.log(Math.round((1000 * good) / word.length));
