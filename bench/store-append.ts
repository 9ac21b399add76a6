// CPU of the receive path's store work per entry (docs/devices.md "Ingest"): the real SqliteStore appending entries
// shaped like `bench ingest`'s (four authors, one topic, `state` entries with a key and a sketch, 330-byte COSE
// bytes), in store transactions of 1, 3, 10 and 1,000 entries, with `synchronous` FULL and NORMAL, each in a fresh
// database in the same run. CPU is process.cpuUsage (user and system) per entry; wall time is beside it, because a
// FULL commit waits in fsync with the main thread blocked, which a sampling profiler charges to the JavaScript frame
// that called COMMIT although it is not CPU time. Each cell is the best of `runs` rounds.

import { mkdtempSync, rmSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import type { StoredEntry } from '../src/core/log/store.js';
import { SqliteStore } from '../src/runtime/store/sqlite.js';

interface Cell {
  readonly cpuUs: number;
  readonly userUs: number;
  readonly sysUs: number;
  readonly wallUs: number;
}

function entries(count: number, authors: Uint8Array[], seqs: number[]): StoredEntry[] {
  const now = Date.now();
  return Array.from({ length: count }, (_, i) => {
    const a = i % authors.length;
    return {
      author: authors[a]!,
      topic: 'bench-ingest',
      epoch: 0,
      seq: ++seqs[a]!,
      id: new Uint8Array(randomBytes(32)),
      kind: 'state',
      ts: now,
      expires: now + 3_600_000,
      bodyHash: new Uint8Array(randomBytes(32)),
      bytes: new Uint8Array(randomBytes(330)),
      key: `k${i % 16}`,
      sketch: new Uint8Array(randomBytes(32)),
    };
  });
}

function measure(sync: 'FULL' | 'NORMAL', perTx: number, total: number, runs: number): Cell {
  let best: Cell | undefined;
  for (let r = 0; r < runs; r++) {
    const dir = mkdtempSync(join(tmpdir(), 'agentnet-store-append-'));
    const store = new SqliteStore(join(dir, 'a.db'), { synchronous: sync, cacheKiB: 16384 });
    const authors = [0, 1, 2, 3].map(() => new Uint8Array(randomBytes(32)));
    const seqs = authors.map(() => 0);
    for (const e of entries(2000, authors, seqs)) store.transaction(() => store.append(e)); // history, warm code
    const es = entries(total, authors, seqs);
    const c0 = process.cpuUsage();
    const w0 = performance.now();
    for (let i = 0; i < es.length; i += perTx)
      store.transaction(() => es.slice(i, i + perTx).forEach((e) => store.append(e)));
    const d = process.cpuUsage(c0);
    const cell = {
      cpuUs: (d.user + d.system) / total,
      userUs: d.user / total,
      sysUs: d.system / total,
      wallUs: ((performance.now() - w0) * 1000) / total,
    };
    store.close();
    rmSync(dir, { recursive: true, force: true });
    if (!best || cell.cpuUs < best.cpuUs) best = cell;
  }
  return best!;
}

export function main(argv: string[]): void {
  const i = argv.indexOf('--runs');
  const runs = i >= 0 ? Number(argv[i + 1]) : 3;
  if (!Number.isSafeInteger(runs) || runs < 1) throw new RangeError('--runs must be a positive integer');
  const f = (x: number) => x.toFixed(1);
  console.log(`load average ${loadavg()[0]!.toFixed(2)}`);
  console.log('| synchronous | entries per transaction | CPU µs/entry (user + sys) | wall µs/entry |');
  console.log('|---|---:|---:|---:|');
  for (const sync of ['FULL', 'NORMAL'] as const)
    for (const perTx of [1, 3, 10, 1000]) {
      const c = measure(sync, perTx, perTx === 1 ? 600 : 3000, runs);
      console.log(`| ${sync} | ${perTx} | ${f(c.cpuUs)} (${f(c.userUs)} + ${f(c.sysUs)}) | ${f(c.wallUs)} |`);
    }
  console.log(`load average ${loadavg()[0]!.toFixed(2)}`);
}
