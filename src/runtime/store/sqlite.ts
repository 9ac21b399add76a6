// SQLite LogStore (better-sqlite3, WAL). Same contract as the memory store (test/contract).
//
// Durability: journal_mode=WAL with synchronous=FULL by default, so an append that returned has
// reached the disk (power-cut safe); profiles for SD cards may choose NORMAL (safe against a process
// crash, not a power cut). Writes the driver groups into one `transaction` share one fsync (grouped
// commits). Schema changes go through the `migrations` table, applied in order inside a transaction (schema.ts).
// SQLite errors surface as AgentnetError STORE_FULL / STORE_CORRUPT; nothing is half-written.

import Database from 'better-sqlite3';
import { toHex } from '../../core/base/bytes.js';
import { KINDS } from '../../core/codec/entry.js';
import { AgentnetError, ERR } from '../errors.js';
import { storedBaid, type LogHead, type LogRef, type LogStore, type StoredEntry } from '../../core/log/store.js';
import { MIGRATIONS, sketchWords, toEntry, u8, type Row } from './schema.js';

export { SCHEMA_MIGRATIONS } from './schema.js';

export interface SqliteOptions {
  readonly synchronous?: 'FULL' | 'NORMAL';
  /** SQLite page cache, KiB (profile `sqliteCacheKiB`). */
  readonly cacheKiB?: number;
  /** Size cap of the database file, bytes (profile `storeQuotaMiB`): SQLite's max_page_count, so a
   *  write beyond it fails with SQLITE_FULL and surfaces as STORE_FULL, like a full disk. */
  readonly maxBytes?: number;
}

const logKey = (author: Uint8Array, topic: string): string => `${toHex(author)}/${topic}`;

function mapError(e: unknown): never {
  const code = (e as { code?: string }).code ?? '';
  if (code === 'SQLITE_FULL') throw ERR.storeFull('the disk is full: write refused, nothing stored', e);
  if (code === 'SQLITE_CORRUPT' || code === 'SQLITE_NOTADB') throw ERR.storeCorrupt('database file is corrupt', e);
  if (code === 'SQLITE_CONSTRAINT_PRIMARYKEY' || code === 'SQLITE_CONSTRAINT_UNIQUE')
    throw ERR.logConflict('entry already stored at that position');
  throw e;
}

/** Logs whose head is kept in memory (about 200 bytes each): every receive looks up its log's head several times. */
const HEAD_CACHE_LOGS = 4096;

export class SqliteStore implements LogStore {
  readonly db: Database.Database;
  private readonly q;
  /**
   * Heads by log (author hex + topic), null for "no such log"; written only after the row is, and
   * dropped whole when a transaction rolls back (transaction()), so it never answers what the database
   * does not hold. Bounded: the oldest log is forgotten first.
   */
  private readonly heads = new Map<string, LogHead | null>();

  constructor(
    readonly path: string,
    o: SqliteOptions = {},
  ) {
    try {
      this.db = new Database(path);
      this.db.pragma('journal_mode = WAL');
      this.db.pragma(`synchronous = ${o.synchronous ?? 'FULL'}`);
      this.db.pragma('foreign_keys = ON');
      if (o.cacheKiB) this.db.pragma(`cache_size = -${Math.floor(o.cacheKiB)}`);
      if (o.maxBytes)
        this.db.pragma(
          `max_page_count = ${Math.max(1, Math.floor(o.maxBytes / (this.db.pragma('page_size', { simple: true }) as number)))}`,
        );
      this.migrate();
    } catch (e) {
      if (e instanceof AgentnetError) throw e;
      mapError(e);
    }
    const d = this.db;
    this.q = {
      head: d.prepare('SELECT epoch, seq, id, ts FROM heads WHERE author = ? AND topic = ?'),
      get: d.prepare('SELECT * FROM entries WHERE author = ? AND topic = ? AND epoch = ? AND seq = ?'),
      range: d.prepare(
        'SELECT * FROM entries WHERE author = ? AND topic = ? AND epoch = ? AND seq BETWEEN ? AND ? ORDER BY seq',
      ),
      insert: d.prepare(
        'INSERT INTO entries (author, topic, epoch, seq, id, kind, ts, expires, body_hash, bytes, sk0, sk1, sk2, sk3) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)',
      ),
      setHead: d.prepare(
        'INSERT INTO heads (author, topic, epoch, seq, id, ts) VALUES (?,?,?,?,?,?) ON CONFLICT (author, topic) DO UPDATE SET epoch = excluded.epoch, seq = excluded.seq, id = excluded.id, ts = excluded.ts',
      ),
      logs: d.prepare('SELECT author, topic, epoch, seq, id, ts FROM heads'),
      logsOf: d.prepare('SELECT author, topic, epoch, seq, id, ts FROM heads WHERE author = ?'),
      count: d.prepare('SELECT count(*) AS n FROM entries'),
      putBody: d.prepare(
        'INSERT INTO bodies (hash, bytes, expires) VALUES (?,?,?) ON CONFLICT (hash) DO UPDATE SET expires = max(expires, excluded.expires)',
      ),
      getBody: d.prepare('SELECT bytes FROM bodies WHERE hash = ?'),
      dropBody: d.prepare('DELETE FROM bodies WHERE hash = ?'),
      putBinding: d.prepare(
        'INSERT INTO bindings (agent_key, version, bytes, baid) VALUES (?,?,?,?) ON CONFLICT (agent_key) DO UPDATE SET ' +
          'version = excluded.version, bytes = excluded.bytes, baid = excluded.baid WHERE excluded.version >= bindings.version',
      ),
      bindingsOfBaid: d.prepare(
        'SELECT version, bytes FROM bindings INDEXED BY bindings_baid WHERE baid = ? ORDER BY version DESC',
      ),
      bindings: d.prepare('SELECT bytes FROM bindings'),
      binding: d.prepare('SELECT bytes FROM bindings WHERE agent_key = ?'),
      laterBindings: d.prepare('SELECT bytes FROM bindings WHERE version > 1'),
      // Expired, old, not the author's own, not a head (heads hold only the newest epoch's head; the
      // last entries of older epochs are ordinary entries here).
      pruneEntries: d.prepare(`DELETE FROM entries WHERE expires <= ? AND ts < ? AND author != ?
        AND NOT EXISTS (SELECT 1 FROM heads h WHERE h.author = entries.author AND h.topic = entries.topic AND h.epoch = entries.epoch AND h.seq = entries.seq)`),
      liveUpsert: d.prepare(
        'INSERT INTO live (author, topic, kind, key, epoch, seq, expires) VALUES (?,?,?,?,?,?,?) ON CONFLICT (author, topic, kind, key) DO UPDATE SET epoch = excluded.epoch, seq = excluded.seq, expires = excluded.expires',
      ),
      liveDropTopic: d.prepare('DELETE FROM live WHERE author = ? AND topic = ?'),
      liveDropKey: d.prepare('DELETE FROM live WHERE author = ? AND topic = ? AND key = ?'),
      liveOf: d.prepare(
        `SELECT e.*, l.key AS key FROM live l JOIN entries e ON e.author = l.author AND e.topic = l.topic AND e.epoch = l.epoch AND e.seq = l.seq
         WHERE l.author = ? AND l.expires > ? ORDER BY l.topic, l.seq`,
      ),
      liveOfTopic: d.prepare(
        `SELECT e.*, l.key AS key FROM live l JOIN entries e ON e.author = l.author AND e.topic = l.topic AND e.epoch = l.epoch AND e.seq = l.seq
         WHERE l.author = ? AND l.topic = ? AND l.expires > ? ORDER BY l.seq`,
      ),
      liveOne: d.prepare(
        `SELECT e.*, l.key AS key FROM live l JOIN entries e ON e.author = l.author AND e.topic = l.topic AND e.epoch = l.epoch AND e.seq = l.seq
         WHERE l.author = ? AND l.topic = ? AND l.kind = ? AND l.key = ? AND l.expires > ?`,
      ),
      pruneLive: d.prepare('DELETE FROM live WHERE expires <= ?'),
      // Per other author, the range (author, kind, expires > now) of entries_author_kind_expires (v4): neither
      // expired history nor the node's own log is read.
      unexpired: d.prepare(
        `SELECT e.* FROM (SELECT DISTINCT author FROM heads WHERE author != ?) a
         JOIN entries e INDEXED BY entries_author_kind_expires ON e.author = a.author AND e.kind = ? AND e.expires > ?
         ORDER BY e.author, e.topic, e.epoch, e.seq`,
      ),
      unexpiredMasked: d.prepare(
        `SELECT e.* FROM (SELECT DISTINCT author FROM heads WHERE author != @except) a
         JOIN entries e INDEXED BY entries_author_kind_expires ON e.author = a.author AND e.kind = @kind AND e.expires > @now
         WHERE e.sk0 IS NULL OR ((e.sk0 & @m0) = @m0 AND (e.sk1 & @m1) = @m1 AND (e.sk2 & @m2) = @m2 AND (e.sk3 & @m3) = @m3)
         ORDER BY e.author, e.topic, e.epoch, e.seq`,
      ),
      pruneBodies: d.prepare(
        'DELETE FROM bodies WHERE expires <= ? AND hash NOT IN (SELECT body_hash FROM entries WHERE expires > ?)',
      ),
    };
  }

  private migrate(): void {
    this.db.exec('CREATE TABLE IF NOT EXISTS migrations (version INTEGER PRIMARY KEY, applied_at INTEGER NOT NULL)');
    const row = this.db.prepare('SELECT max(version) AS v FROM migrations').get() as { v: number | null };
    const have = row.v ?? 0;
    if (have > MIGRATIONS.length)
      throw ERR.storeCorrupt(`database schema v${have} is newer than this build (v${MIGRATIONS.length})`);
    for (let v = have + 1; v <= MIGRATIONS.length; v++) {
      this.db.transaction(() => {
        const step = MIGRATIONS[v - 1]!;
        if (typeof step === 'string') this.db.exec(step);
        else step(this.db);
        this.db.prepare('INSERT INTO migrations (version, applied_at) VALUES (?, ?)').run(v, Date.now());
      })();
    }
  }

  private guard<T>(fn: () => T): T {
    if (!this.db.open) throw ERR.storeClosed(`store ${this.path} is closed`);
    try {
      return fn();
    } catch (e) {
      if (e instanceof AgentnetError) throw e;
      return mapError(e);
    }
  }

  head(author: Uint8Array, topic: string): LogHead | undefined {
    const k = logKey(author, topic);
    const have = this.heads.get(k);
    if (have !== undefined && this.db.open) return have ?? undefined;
    return this.guard(() => {
      const r = this.q.head.get(author, topic) as { epoch: number; seq: number; id: Buffer; ts: number } | undefined;
      const h = r && { epoch: r.epoch, seq: r.seq, id: u8(r.id), ts: r.ts };
      this.remember(k, h ?? null);
      return h;
    });
  }

  private remember(k: string, h: LogHead | null): void {
    this.heads.delete(k);
    if (this.heads.size >= HEAD_CACHE_LOGS) this.heads.delete(this.heads.keys().next().value!);
    this.heads.set(k, h);
  }

  /**
   * A position past the log's head holds nothing (appends extend the head's epoch one seq at a time, a new epoch
   * moves the head, and a prune keeps heads), so when the cached head says so no statement runs: the receive path
   * asks for the position of every entry it gets, and nearly all of them are the next one (docs/devices.md "Ingest").
   */
  get(author: Uint8Array, topic: string, epoch: number, seq: number): StoredEntry | undefined {
    const h = this.db.open ? this.heads.get(logKey(author, topic)) : undefined;
    if (h === null || (h && (epoch > h.epoch || (epoch === h.epoch && seq > h.seq)))) return undefined;
    return this.guard(() => {
      const r = this.q.get.get(author, topic, epoch, seq) as Row | undefined;
      return r && toEntry(r);
    });
  }

  range(author: Uint8Array, topic: string, epoch: number, fromSeq: number, toSeq: number): StoredEntry[] {
    return this.guard(() => (this.q.range.all(author, topic, epoch, fromSeq, toSeq) as Row[]).map(toEntry));
  }

  /**
   * Inside a transaction already (the driver's batch) the statements run directly: the checks come before
   * the first write and a failing write aborts the whole batch (the driver rolls it back), so a SAVEPOINT
   * per entry would buy nothing. Alone, an append is its own transaction.
   */
  append(e: StoredEntry): void {
    this.guard(() => (this.db.inTransaction ? this.appendRows(e) : this.db.transaction(() => this.appendRows(e))()));
  }

  private appendRows(e: StoredEntry): void {
    const h = this.head(e.author, e.topic);
    if (h && e.epoch < h.epoch) throw ERR.logConflict(`append into old epoch ${e.epoch}`);
    if (h && e.epoch === h.epoch && e.seq !== h.seq + 1)
      throw ERR.logConflict(`append at ${e.seq} but head is ${h.seq}`);
    this.q.insert.run(
      e.author,
      e.topic,
      e.epoch,
      e.seq,
      e.id,
      KINDS.indexOf(e.kind),
      e.ts,
      e.expires,
      e.bodyHash,
      e.bytes,
      ...sketchWords(e.sketch),
    );
    this.q.setHead.run(e.author, e.topic, e.epoch, e.seq, e.id, e.ts);
    if (h && e.epoch > h.epoch) this.q.liveDropTopic.run(e.author, e.topic); // a new epoch starts the log again
    if (e.kind !== 'withdraw')
      this.q.liveUpsert.run(e.author, e.topic, KINDS.indexOf(e.kind), e.key ?? '', e.epoch, e.seq, e.expires);
    else if (e.key === undefined) this.q.liveDropTopic.run(e.author, e.topic);
    else this.q.liveDropKey.run(e.author, e.topic, e.key);
    this.remember(logKey(e.author, e.topic), { epoch: e.epoch, seq: e.seq, id: e.id, ts: e.ts });
  }

  unexpired(kind: StoredEntry['kind'], now: number, except: Uint8Array, sketchMask?: Uint8Array): StoredEntry[] {
    if (sketchMask && sketchMask.length !== 32) throw new RangeError('unexpired: sketchMask must be 32 bytes');
    return this.guard(() => {
      if (!sketchMask) return (this.q.unexpired.all(except, KINDS.indexOf(kind), now) as Row[]).map(toEntry);
      const [m0, m1, m2, m3] = sketchWords(sketchMask);
      const rows = this.q.unexpiredMasked.all({ except, kind: KINDS.indexOf(kind), now, m0, m1, m2, m3 }) as Row[];
      return rows.map(toEntry);
    });
  }

  live(author: Uint8Array, now: number, topic?: string): StoredEntry[] {
    return this.guard(() => {
      const rows = (
        topic === undefined ? this.q.liveOf.all(author, now) : this.q.liveOfTopic.all(author, topic, now)
      ) as Array<Row & { key: string }>;
      return rows.map((r) => (r.key ? { ...toEntry(r), key: r.key } : toEntry(r)));
    });
  }

  liveOne(
    author: Uint8Array,
    topic: string,
    kind: StoredEntry['kind'],
    key: string | undefined,
    now: number,
  ): StoredEntry | undefined {
    return this.guard(() => {
      const r = this.q.liveOne.get(author, topic, KINDS.indexOf(kind), key ?? '', now) as
        (Row & { key: string }) | undefined;
      return r && (r.key ? { ...toEntry(r), key: r.key } : toEntry(r));
    });
  }

  logs(author?: Uint8Array): LogRef[] {
    return this.guard(() => {
      const rows = (author ? this.q.logsOf.all(author) : this.q.logs.all()) as Array<{
        author: Buffer;
        topic: string;
        epoch: number;
        seq: number;
        id: Buffer;
        ts: number;
      }>;
      return rows.map((r) => ({
        author: u8(r.author),
        topic: r.topic,
        head: { epoch: r.epoch, seq: r.seq, id: u8(r.id), ts: r.ts },
      }));
    });
  }

  entryCount(): number {
    return this.guard(() => (this.q.count.get() as { n: number }).n);
  }

  putBody(hash: Uint8Array, bytes: Uint8Array, expires: number): void {
    this.guard(() => this.q.putBody.run(hash, bytes, expires));
  }

  getBody(hash: Uint8Array): Uint8Array | undefined {
    return this.guard(() => {
      const r = this.q.getBody.get(hash) as { bytes: Buffer } | undefined;
      return r && u8(r.bytes);
    });
  }

  putBinding(agentKey: Uint8Array, version: number, bytes: Uint8Array, baid?: Uint8Array): void {
    const b = baid ?? storedBaid(bytes);
    this.guard(() => this.q.putBinding.run(agentKey, version, bytes, b ?? null));
  }

  bindingsOfBaid(baid: Uint8Array): Array<{ version: number; bytes: Uint8Array }> {
    return this.guard(() =>
      (this.q.bindingsOfBaid.all(baid) as Array<{ version: number; bytes: Buffer }>).map((r) => ({
        version: r.version,
        bytes: u8(r.bytes),
      })),
    );
  }

  prune(now: number, olderThanTs: number, keepAuthor: Uint8Array): { entries: number; bodies: number } {
    return this.guard(() =>
      this.db.transaction(() => {
        this.q.pruneLive.run(now); // expired declarations are not live: the index forgets them with the entries
        return {
          entries: this.q.pruneEntries.run(now, olderThanTs, keepAuthor).changes,
          bodies: this.q.pruneBodies.run(now, now).changes,
        };
      })(),
    );
  }

  bindings(): Uint8Array[] {
    return this.guard(() => (this.q.bindings.all() as Array<{ bytes: Buffer }>).map((r) => u8(r.bytes)));
  }

  binding(agentKey: Uint8Array): Uint8Array | undefined {
    return this.guard(() => {
      const r = this.q.binding.get(agentKey) as { bytes: Buffer } | undefined;
      return r ? u8(r.bytes) : undefined;
    });
  }

  laterBindings(): Uint8Array[] {
    return this.guard(() => (this.q.laterBindings.all() as Array<{ bytes: Buffer }>).map((r) => u8(r.bytes)));
  }

  findBinding(match: (bytes: Uint8Array) => boolean): Uint8Array | undefined {
    return this.guard(() => {
      for (const r of this.q.bindings.iterate() as IterableIterator<{ bytes: Buffer }>) {
        const bytes = u8(r.bytes);
        if (match(bytes)) return bytes; // leaving the loop early closes the statement's iterator
      }
      return undefined;
    });
  }

  transaction<T>(fn: () => T): T {
    try {
      return this.guard(() => this.db.transaction(fn)());
    } catch (e) {
      this.heads.clear(); // rolled back: heads written inside may not be in the database
      throw e;
    }
  }

  /**
   * A write that needs room (one page-sized row in and out again, in one transaction, leaving nothing):
   * fails with STORE_FULL while the disk is full (the WAL cannot grow) or the quota is (no free page),
   * so the driver learns when space is back. A rewrite of an existing page would not do: it fits in
   * the quota even when nothing else does.
   */
  probeWrite(): void {
    const hash = new Uint8Array(32); // no SHA-256 is all zeros in practice; the row lives only inside this transaction
    this.guard(() =>
      this.db.transaction(() => {
        this.q.putBody.run(hash, new Uint8Array(this.db.pragma('page_size', { simple: true }) as number), 0);
        this.q.dropBody.run(hash);
      })(),
    );
  }

  integrityCheck(): string {
    return this.guard(() => this.db.pragma('integrity_check', { simple: true }) as string);
  }

  close(): void {
    if (this.db.open) this.db.close();
  }
}
