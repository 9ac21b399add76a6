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
    ]);
    s.transaction(() => {
      for (let i = 1; i <= 100; i++) s.append(mk(1, 't', 0, i));
    });
    expect(s.integrityCheck()).toBe('ok');
    s.close();
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
