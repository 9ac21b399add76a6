import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { MemoryStore } from '../../src/core/log/memory-store.js';
import { SqliteStore } from '../../src/runtime/store/sqlite.js';
import { mk, storeContract } from './store.contract.js';

storeContract('memory', () => ({ store: new MemoryStore() }));
storeContract('sqlite', () => {
  const dir = mkdtempSync(join(tmpdir(), 'agentnet-store-'));
  const path = join(dir, 'a.db');
  return {
    store: new SqliteStore(path),
    reopen: () => new SqliteStore(path),
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
});

describe('SqliteStore specifics', () => {
  it('uses WAL, records its migrations and passes integrity_check', () => {
    const dir = mkdtempSync(join(tmpdir(), 'agentnet-store-'));
    const s = new SqliteStore(join(dir, 'a.db'));
    expect(s.db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(s.db.prepare('SELECT version FROM migrations').all()).toEqual([
      { version: 1 },
      { version: 2 },
      { version: 3 },
      { version: 4 },
      { version: 5 },
      { version: 6 },
    ]);
    s.transaction(() => {
      for (let i = 1; i <= 100; i++) s.append(mk(1, 't', 0, i));
    });
    expect(s.integrityCheck()).toBe('ok');
    s.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('builds the live index once when it upgrades a store written before it (keyless entries)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'agentnet-store-'));
    const path = join(dir, 'a.db');
    const s = new SqliteStore(path);
    // The schema as a v3 build left it: no live table, its migration not applied.
    s.db.exec(
      'DROP TABLE live; DROP INDEX entries_author_kind_expires; DELETE FROM migrations WHERE version >= 4;' +
        ' ALTER TABLE entries DROP COLUMN sk0; ALTER TABLE entries DROP COLUMN sk1;' +
        ' ALTER TABLE entries DROP COLUMN sk2; ALTER TABLE entries DROP COLUMN sk3;' +
        ' DROP INDEX bindings_baid; ALTER TABLE bindings DROP COLUMN baid;',
    );
    const put = (seq: number, kind: number, epoch = 0) =>
      s.db
        .prepare('INSERT INTO entries VALUES (?,?,?,?,?,?,?,?,?,?)')
        .run(
          Buffer.alloc(32, 1),
          't',
          epoch,
          seq,
          Buffer.alloc(32, seq + 100 * epoch),
          kind,
          1000 + seq,
          9000,
          Buffer.alloc(32, seq),
          Buffer.alloc(8, seq),
        );
    put(1, 0); // capability, replaced by seq 4
    put(2, 1); // intent, withdrawn by seq 3
    put(3, 4); // withdraw
    put(4, 0); // capability: live
    put(5, 2); // state: live
    s.db
      .prepare('INSERT INTO heads VALUES (?,?,?,?,?,?)')
      .run(Buffer.alloc(32, 1), 't', 0, 5, Buffer.alloc(32, 5), 1005);
    s.close();
    const up = new SqliteStore(path);
    expect(up.live(new Uint8Array(32).fill(1), 0).map((e) => [e.seq, e.kind, e.key])).toEqual([
      [4, 'capability', undefined],
      [5, 'state', undefined],
    ]);
    up.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('refuses a database from a newer schema with STORE_CORRUPT', () => {
    const dir = mkdtempSync(join(tmpdir(), 'agentnet-store-'));
    const s = new SqliteStore(join(dir, 'a.db'));
    s.db.prepare('INSERT INTO migrations (version, applied_at) VALUES (99, 0)').run();
    s.close();
    expect(() => new SqliteStore(join(dir, 'a.db'))).toThrow(/STORE_CORRUPT/);
    rmSync(dir, { recursive: true, force: true });
  });
});
