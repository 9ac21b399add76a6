// Crash safety (docs/reliability.md item 2): a node appending as fast as its API takes it is killed with SIGKILL at
// random moments; after each kill the database passes integrity_check, every append the API
// acknowledged is stored, and the restarted node continues its log at the right seq (no self-fork).
// AGENTNET_KILLS sets the number of kills (CI: 5; `npm run test:reliability`: 50).

import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { record } from './record.js';

const KILLS = Number(process.env['AGENTNET_KILLS'] ?? 5);
const bundle = join(import.meta.dirname, '../../dist/agentnet.mjs');
const TOPIC = 'devops_tool_execution';

function startNode(dataDir: string): Promise<{ child: ChildProcess; port: number; agent: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      [bundle, 'run', '--data', dataDir, '--network', 'crash', '--broker', 'memory://crash', '--log-level', 'info'],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    const t = setTimeout(() => reject(new Error('node did not become ready')), 20_000);
    createInterface({ input: child.stdout! }).on('line', (l) => {
      try {
        const m = JSON.parse(l);
        if (m.msg === 'ready') {
          clearTimeout(t);
          resolve({ child, port: Number(String(m.api).split(':').pop()), agent: m.agentKey });
        }
      } catch {
        /* not a log line */
      }
    });
    child.once('exit', (c) => reject(new Error(`node exited early with ${c}`)));
  });
}

/** Appends from `workers` concurrent clients (the API groups concurrent appends into one transaction) until the process dies; returns the seqs the API acknowledged. */
async function hammer(
  port: number,
  stop: { dead: boolean },
  workers = Number(process.env.AGENTNET_CRASH_CLIENTS ?? 32),
): Promise<number[]> {
  const acked: number[] = [];
  let n = 0;
  await Promise.all(
    Array.from({ length: workers }, async () => {
      while (!stop.dead) {
        try {
          const r = await fetch(`http://127.0.0.1:${port}/announce`, {
            method: 'POST',
            body: JSON.stringify({ kind: 'state', topic: TOPIC, tags: ['devops.exec'], text: `tick ${n++}` }),
          });
          if (r.status === 200) acked.push(((await r.json()) as { seq: number }).seq);
        } catch {
          return; // the process is gone
        }
      }
    }),
  );
  return acked;
}

describe(`crash safety (${KILLS} SIGKILLs; AGENTNET_KILLS to change)`, () => {
  it('no acknowledged append is lost, the database stays intact, the log never forks', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'agentnet-crash-'));
    const dataDir = join(dir, 'node');
    let totalAcked = 0;
    let rate = 0;
    try {
      for (let k = 0; k < KILLS; k++) {
        const { child, port, agent } = await startNode(dataDir);
        const stop = { dead: false };
        const exited = new Promise<void>((r) => child.once('exit', () => ((stop.dead = true), r())));
        const runMs = 300 + Math.floor(Math.random() * 900);
        const t0 = Date.now();
        const work = hammer(port, stop);
        setTimeout(() => child.kill('SIGKILL'), runMs);
        await exited;
        const acked = await work;
        rate = Math.max(rate, acked.length / ((Date.now() - t0) / 1000));
        totalAcked += acked.length;
        const db = new Database(join(dataDir, 'agentnet.db'));
        try {
          expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
          const rows = db
            .prepare('SELECT seq, id, bytes FROM entries WHERE author = ? AND topic = ? ORDER BY seq')
            .all(Buffer.from(agent, 'hex'), TOPIC) as Array<{ seq: number }>;
          const stored = new Set(rows.map((r) => r.seq));
          for (const s of acked) expect(stored.has(s), `acknowledged seq ${s} lost after kill ${k}`).toBe(true);
          rows.forEach((r, i) => expect(r.seq).toBe(i + 1)); // dense 1..n: one history, no holes, no fork
        } finally {
          db.close();
        }
      }
      const { child, port } = await startNode(dataDir);
      const r = await fetch(`http://127.0.0.1:${port}/announce`, {
        method: 'POST',
        body: JSON.stringify({ kind: 'state', topic: TOPIC, tags: ['devops.exec'], text: 'after' }),
      });
      const { seq } = (await r.json()) as { seq: number };
      child.kill('SIGTERM');
      await new Promise((res) => child.once('exit', res));
      const db = new Database(join(dataDir, 'agentnet.db'), { readonly: true });
      const max = (db.prepare('SELECT max(seq) AS m FROM entries WHERE topic = ?').get(TOPIC) as { m: number }).m;
      db.close();
      expect(seq).toBe(max); // the restarted node resumed at the right seq
      console.log(
        `crash safety: ${KILLS} kills, ${totalAcked} acknowledged appends, all present; peak ${rate.toFixed(0)} appends/s`,
      );
      record(
        '2. crash safety (SIGKILL)',
        `${KILLS} kills, ${totalAcked} acknowledged appends, 0 lost, integrity_check ok, 0 self-forks; peak ${rate.toFixed(0)} appends/s through the API`,
        true,
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 300_000);
});
