#!/usr/bin/env node
// What a store transaction that writes nothing costs (docs/devices.md "Ingest": a core timeout runs inside one):
// CPU time per read-only better-sqlite3 transaction around one primary-key read, against the same read alone, on a
// WAL database with synchronous=FULL as the profiles set it. Both are measured in the same run, in turns.
// Usage: node bench/store-tx.run.mjs [--n 20000]
import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const i = process.argv.indexOf('--n');
const n = i > 0 ? Number(process.argv[i + 1]) : 20_000;
if (!Number.isSafeInteger(n) || n < 1) throw new RangeError('--n must be a positive integer');
const dir = mkdtempSync(join(tmpdir(), 'agentnet-store-tx-'));
const db = new Database(join(dir, 'b.db'));
db.pragma('journal_mode = WAL');
db.pragma('synchronous = FULL');
db.exec('CREATE TABLE heads (k TEXT PRIMARY KEY, v INTEGER)');
db.prepare('INSERT INTO heads VALUES (?, ?)').run('a', 1);
const read = db.prepare('SELECT v FROM heads WHERE k = ?');
const tx = db.transaction(() => read.get('a'));
const cpu = (f) => {
  const t = process.cpuUsage();
  for (let j = 0; j < n; j++) f();
  const d = process.cpuUsage(t);
  return (d.user + d.system) / n;
};
const best = { tx: Infinity, bare: Infinity };
for (let r = 0; r < 5; r++) {
  best.tx = Math.min(best.tx, cpu(tx));
  best.bare = Math.min(
    best.bare,
    cpu(() => read.get('a')),
  );
}
db.close();
rmSync(dir, { recursive: true, force: true });
console.log(
  `read-only transaction ${best.tx.toFixed(2)} µs, the read alone ${best.bare.toFixed(2)} µs: ` +
    `the transaction adds ${(best.tx - best.bare).toFixed(2)} µs (best of 5 x ${n})`,
);
