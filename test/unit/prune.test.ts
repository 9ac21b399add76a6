// Log retention in the runtime: a prune frees room in a store at its quota (the database stays bounded
// by the profile's quota and expiry), the driver prunes on its cadence with the current clock, and a
// failing prune is a store error like any other (status flag, onError), never a crash.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { AgentCore } from '../../src/core/agent.js';
import { ERR } from '../../src/runtime/errors.js';
import { MemoryStore } from '../../src/core/log/memory-store.js';
import type { StoredEntry } from '../../src/core/log/store.js';
import { NodeCore } from '../../src/core/node/node-core.js';
import { Driver } from '../../src/runtime/driver.js';
import { MemoryHub, createMemoryTransport } from '../../src/runtime/transport/memory.js';
import { SqliteStore } from '../../src/runtime/store/sqlite.js';
import { crypto, identity, T0 } from '../helpers.js';

const HOUR = 3_600_000;
const key = (n: number) => new Uint8Array(32).fill(n);
/** Entry `seq` of `author`'s log `topic`, written at T0 + seq, expiring a minute later (a big one: 4 KiB). */
const entry = (author: Uint8Array, topic: string, seq: number, size = 4096): StoredEntry => {
  const id = new Uint8Array(32).map((_, j) => (j < 4 ? (seq >> (8 * j)) & 255 : author[0]! ^ topic.length));
  return {
    id,
    author,
    topic,
    epoch: 0,
    seq,
    kind: 'state',
    ts: T0 + seq,
    expires: T0 + seq + 60_000,
    bodyHash: id,
    bytes: new Uint8Array(size).fill(seq & 255),
  };
};
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
async function until(cond: () => boolean, ms = 30_000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await sleep(10);
  }
}

describe('log retention in the runtime', () => {
  it('a prune frees room in a SQLite store at its quota: writes are accepted again', () => {
    const dir = mkdtempSync(join(tmpdir(), 'agentnet-prune-'));
    const s = new SqliteStore(join(dir, 'p.db'), { maxBytes: 512 * 1024 });
    let n = 0;
    let err: unknown;
    try {
      for (n = 1; n < 1000; n++) s.append(entry(key(1), 't', n));
    } catch (e) {
      err = e;
    }
    expect((err as { code?: string } | undefined)?.code).toBe('STORE_FULL');
    expect(() => s.append(entry(key(2), 'u', 1))).toThrow(/STORE_FULL/);
    const pruned = s.prune(T0 + 2 * HOUR, T0 + HOUR, key(9));
    expect(pruned.entries).toBe(n - 2); // all but the head (seq n - 1)
    s.append(entry(key(2), 'u', 1)); // room again
    for (let i = 2; i <= 20; i++) s.append(entry(key(2), 'u', i));
    expect(s.head(key(1), 't')?.seq).toBe(n - 1);
    expect(s.integrityCheck()).toBe('ok');
    s.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it(
    'the driver prunes on its cadence with its clock, never its own logs, and counts what it pruned',
    { timeout: 60_000 },
    async () => {
      const dir = mkdtempSync(join(tmpdir(), 'agentnet-prune-'));
      const store = new SqliteStore(join(dir, 'd.db'));
      const me = identity('alice');
      const core = new AgentCore({ crypto, store, agentSecret: me.agentSecret, binding: me.binding });
      for (let i = 1; i <= 5; i++) store.append(entry(key(1), 't', i));
      for (let i = 1; i <= 3; i++) store.append(entry(me.agentKey, 't', i));
      let now = T0 + 10 * 60_000; // everything expired, nothing older than the hour of retention
      const logged: Array<{ entries: number; bodies: number }> = [];
      const driver = new Driver(
        new NodeCore({ agent: core, verifier: crypto.verifier, flood: false }),
        createMemoryTransport('memory://r', { network: 'r', clientId: 'a' }, new MemoryHub()),
        store,
        {
          clock: () => now,
          prune: { intervalMs: 20, retentionMs: HOUR, keepAuthor: me.agentKey, onPruned: (x) => logged.push(x) },
        },
      );
      driver.start(T0);
      await sleep(100); // several prune ticks inside the retention window
      expect(driver.pruned).toEqual({ entries: 0, bodies: 0 });
      now = T0 + 2 * HOUR;
      await until(() => driver.pruned.entries > 0);
      expect(driver.pruned.entries).toBe(4);
      expect(logged).toEqual([{ entries: 4, bodies: 0 }]);
      expect(store.range(key(1), 't', 0, 1, 5).map((e) => e.seq)).toEqual([5]);
      expect(store.range(me.agentKey, 't', 0, 1, 3).map((e) => e.seq)).toEqual([1, 2, 3]);
      expect(driver.pruneNow()).toEqual({ entries: 0, bodies: 0 });
      await driver.close();
      store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  );

  it(
    'a failing prune sets the store flag and reports the error; the next prune goes through and clears it',
    { timeout: 60_000 },
    async () => {
      // Fault injection on a real store: its prune refuses with STORE_FULL while `full` is set.
      class FullOnPrune extends MemoryStore {
        full = true;
        override prune(now: number, olderThanTs: number, keepAuthor: Uint8Array) {
          if (this.full) throw ERR.storeFull('injected: disk full');
          return super.prune(now, olderThanTs, keepAuthor);
        }
      }
      const store = new FullOnPrune();
      const me = identity('alice');
      const core = new AgentCore({ crypto, store, agentSecret: me.agentSecret, binding: me.binding });
      for (let i = 1; i <= 3; i++) store.append(entry(key(1), 't', i));
      const errors: unknown[] = [];
      const driver = new Driver(
        new NodeCore({ agent: core, verifier: crypto.verifier, flood: false }),
        createMemoryTransport('memory://f', { network: 'f', clientId: 'a' }, new MemoryHub()),
        store,
        {
          clock: () => T0 + 2 * HOUR,
          storeRetryMs: 60_000,
          prune: { intervalMs: 20, retentionMs: HOUR, keepAuthor: me.agentKey },
          onError: (e) => errors.push(e),
        },
      );
      driver.start(T0);
      await until(() => errors.length >= 2); // ticks keep coming after a failure
      expect(driver.storeError?.code).toBe('STORE_FULL');
      expect(driver.pruned.entries).toBe(0);
      store.full = false;
      await until(() => driver.pruned.entries === 2);
      expect(store.range(key(1), 't', 0, 1, 3).map((e) => e.seq)).toEqual([3]);
      await until(() => driver.storeError === undefined); // the prune freed room: the retry ran at once, not after storeRetryMs
      await driver.close();
    },
  );
});
