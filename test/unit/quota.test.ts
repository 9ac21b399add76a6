// The profile's storeQuotaMiB reaches SQLite as max_page_count: writes beyond it fail with STORE_FULL
// (like a full disk) and what was stored before stays readable.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { SqliteStore } from '../../src/runtime/store/sqlite.js';

describe('store quota', () => {
  it('refuses writes beyond maxBytes with STORE_FULL and keeps earlier data', () => {
    const dir = mkdtempSync(join(tmpdir(), 'agentnet-quota-'));
    const s = new SqliteStore(join(dir, 'q.db'), { maxBytes: 256 * 1024 });
    const body = new Uint8Array(8 * 1024).fill(7);
    const hash = (i: number) => new Uint8Array(32).fill(0).map((_, j) => (j < 4 ? (i >> (8 * j)) & 255 : 1));
    let stored = 0;
    let err: unknown;
    try {
      for (; stored < 1000; stored++) s.putBody(hash(stored), body, Date.now() + 60_000);
    } catch (e) {
      err = e;
    }
    expect((err as { code?: string } | undefined)?.code).toBe('STORE_FULL');
    expect(stored).toBeGreaterThan(5); // the schema and a few bodies fit in 256 KiB
    expect(stored).toBeLessThan(32); // 1000 x 8 KiB would be 8 MiB
    expect(s.getBody(hash(0))?.length).toBe(body.length);
    s.close();
    rmSync(dir, { recursive: true, force: true });
  });
});
