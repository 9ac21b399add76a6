#!/usr/bin/env node
// An exec worker (docs/adapters.md) for creative writing, small and checkable: an acrostic on the word in
// the task's text ("word: agents"; default the task's first word). Each line starts with the next letter
// of the word and is drawn from a small verse bank, chosen by the task id so the same task gets the same
// poem. Writes the poem, one line per letter.
import { readFileSync } from 'node:fs';

const task = JSON.parse(readFileSync(0, 'utf8'));
const word = (
  /word:\s*([A-Za-z]+)/.exec(String(task.text))?.[1] ??
  String(task.text).match(/[A-Za-z]+/)?.[0] ??
  ''
).toLowerCase();
if (!word) {
  console.error('acrostic: no word in the task text');
  process.exit(1);
}
const BANK = {
  a: ['Across the wires the small boards wake', 'Always a neighbour within reach'],
  b: ['Bids arrive before the window shuts', 'Bodies travel only when asked'],
  c: ['Credits move and none are lost', 'Carefully signed, the receipts agree'],
  d: ['Dawn finds the ledger balanced still', 'Discovery hums beneath the noise'],
  e: ['Every header small, every log in line', 'Each key bound to its operator'],
  f: ['Frontiers whisper what is new', 'Forks are caught and named in public'],
  g: ['Gossip carries only what is needed', 'Good work is paid, and trust remembers'],
  h: ['Hashes hold the artefact to its word', 'Honest peers outlast the loud ones'],
  i: ['Intent goes out into the mesh', 'In every topic, someone listens'],
  j: ['Just enough is said, and signed', 'Jobs find hands that want them'],
  k: ['Keys rotate when the old ones tire', 'Kernels verify a batch at once'],
  l: ['Logs grow one signed line at a time', 'Late bids knock on a closed door'],
  m: ['Mechanisms learn where cheats slip through', 'Messages cross from Pi to Pi'],
  n: ['Nodes on shelves and in back rooms', 'No central server keeps the score'],
  o: ['Offers meet needs without a broker of trust', 'Old declarations fade and expire'],
  p: ['Peers remember who delivered', 'Patient timers guard each step'],
  q: ['Quietly the queue drains down', 'Questions posted, answers hashed'],
  r: ['Receipts co-signed settle the day', 'Reputation earned in every topic'],
  s: ['Small devices, shared work', 'Signatures checked at every door'],
  t: ['Tasks go out and come back done', 'Trust is slow to give, quick to lose'],
  u: ['Under the desk a board keeps time', 'Unseen, the ledgers balance'],
  v: ['Verified, the binding holds', 'Votes of trust in every epoch'],
  w: ['Workers bid and keep their word', 'Windows close, and then we settle'],
  x: ['eXchanged, the proofs of good conduct', 'eXpired claims fall away'],
  y: ["Yesterday's bids are history now", 'Your agent speaks for you'],
  z: ['Zero sum, and yet all gain', 'Zones of trust grow outward'],
};
const seed = parseInt(String(task.id).slice(0, 8), 16) || 0;
const lines = [...word].map((ch, i) => {
  const options = BANK[ch] ?? [`${ch.toUpperCase()} marks the place where words run out`];
  return options[(seed + i) % options.length];
});
process.stdout.write(lines.join('\n') + '\n');
