// The store-full state without root (the real small filesystem is test/reliability/diskfull.test.ts):
// the profile's quota (SQLite max_page_count) filled with filler rows, then freed. Regression for the
// driver defects found by the disk-full test: the status flag was set only when a received batch
// failed (not an announce), was cleared by any commit, and nothing noticed when space came back.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { AgentnetError } from '../../src/runtime/errors.js';
import { startEmbeddedBroker } from '../../src/runtime/broker.js';
import { loadConfig } from '../../src/runtime/config.js';
import { createLogger } from '../../src/runtime/logger.js';
import { startNode } from '../../src/runtime/node.js';
import type { SqliteStore } from '../../src/runtime/store/sqlite.js';

async function until(cond: () => boolean, ms = 20_000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('store full (profile quota)', () => {
  it('flags STORE_FULL on a refused announce, keeps it until space returns, then clears it by itself', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'agentnet-storefull-'));
    const broker = await startEmbeddedBroker();
    const node = await startNode(
      loadConfig({
        env: {},
        flags: {
          dataDir: join(dir, 'n'),
          network: `storefull-${process.pid}`,
          broker: broker.url,
          profile: 'rpi-zero2w',
        },
      }),
      { logger: createLogger({ level: 'error' }) },
    );
    const store = (node.core as unknown as { store: SqliteStore }).store;
    try {
      const first = node.announce({ kind: 'capability', topic: 'data_analysis', tags: ['data.sql'], text: 'before' });
      // Filler rows up to the quota (rpi-zero2w: 256 MiB would be slow; shrink the cap on this connection).
      store.db.pragma(`max_page_count = ${(store.db.pragma('page_count', { simple: true }) as number) + 64}`);
      const filler = new Uint8Array(32 * 1024).fill(1);
      let i = 0;
      try {
        for (; i < 10_000; i++)
          store.putBody(
            new Uint8Array(32).fill(0).map((_, j) => (j < 4 ? (i >> (8 * j)) & 255 : 9)),
            filler,
            Date.now() + 60_000,
          );
      } catch (e) {
        expect((e as AgentnetError).code).toBe('STORE_FULL');
      }
      expect(node.status()['storeError']).toBeNull(); // a write outside the driver: nobody told it yet
      let err: unknown;
      try {
        node.announce({ kind: 'capability', topic: 'data_analysis', tags: ['data.sql'], text: 'during' });
      } catch (e) {
        err = e;
      }
      expect((err as AgentnetError).code).toBe('STORE_FULL');
      expect(node.status()['storeError']).toBe('STORE_FULL');
      expect(node.discover({ tags: ['data'] })).toEqual([]); // reads answer
      expect(node.logs().find((l) => l.author === node.core.agentHex)?.seq).toBe(first.seq);
      await new Promise((r) => setTimeout(r, 1500)); // the retry's probe write still fails
      expect(node.status()['storeError']).toBe('STORE_FULL');
      store.db.prepare('DELETE FROM bodies WHERE length(bytes) = ?').run(filler.length);
      await until(() => node.status()['storeError'] === null);
      expect(node.announce({ kind: 'capability', topic: 'data_analysis', tags: ['data.sql'], text: 'after' }).seq).toBe(
        first.seq + 1,
      );
      expect(store.integrityCheck()).toBe('ok');
    } finally {
      await node.close();
      await broker.close();
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);
});
