// SQLite LogStore (better-sqlite3, WAL). Same contract as the memory store (test/contract).
//
// Durability: journal_mode=WAL with synchronous=FULL by default, so an append that returned has
// reached the disk (power-cut safe); profiles for SD cards may choose NORMAL (safe against a process
// crash, not a power cut). Writes the driver groups into one `transaction` share one fsync (grouped
// commits). Schema changes go through the `migrations` table, applied in order inside a transaction.
// SQLite errors surface as AgentnetError STORE_FULL / STORE_CORRUPT; nothing is half-written.

import Database from 'better-sqlite3';
import { toHex } from '../../core/base/bytes.js';
import { KINDS } from '../../core/codec/entry.js';
import { AgentnetError, ERR } from '../errors.js';
import { storedBaid, type LogHead, type LogRef, type LogStore, type StoredEntry } from '../../core/log/store.js';

const WITHDRAW = KINDS.indexOf('withdraw');

/** A schema step: SQL, or a function for a step that needs the codec (run inside the migration's transaction). */
type Migration = string | ((db: Database.Database) => void);

/**
 * The first bytes of every binding as the codec writes it (canonical CBOR, codec/binding.ts and cose.ts): COSE_Sign
 * tag 98, an array of 4, the protected header {3: "agentnet/binding/1"} and an empty unprotected map; then the
 * payload's byte-string head (0x58 + one length byte, or 0x59 + two), the payload's map head, and its first fields
 * 0: 1 and 1: a 32-byte string, the baid.
 */
const BINDING_PREFIX = "X'd8628455a103726167656e746e65742f62696e64696e672f31a0'";
const BAID_FIELD = "X'0001015820'";

/**
 * v6: the bindings table indexed by baid (LogStore.bindingsOfBaid), so that a binding loaded on demand is checked
 * against its baid's latest stored version and no version is read at start or held in memory. The rows stored before
 * get their baid from their bytes: one UPDATE reads it at its place in the codec's layout (the upgrade of a large
 * store must fit in a start, TimeoutStartSec in deploy/agentnet.service, on the smallest board), and any row that
 * layout does not match is decoded (a page of rows at a time).
 */
function bindingsByBaid(db: Database.Database): void {
  db.exec(`ALTER TABLE bindings ADD COLUMN baid BLOB;
    UPDATE bindings SET baid = CASE
      WHEN substr(bytes, 27, 1) = X'58' AND substr(bytes, 29, 1) BETWEEN X'a1' AND X'b7'
        AND substr(bytes, 30, 5) = ${BAID_FIELD} THEN substr(bytes, 35, 32)
      WHEN substr(bytes, 27, 1) = X'59' AND substr(bytes, 30, 1) BETWEEN X'a1' AND X'b7'
        AND substr(bytes, 31, 5) = ${BAID_FIELD} THEN substr(bytes, 36, 32)
    END
    WHERE substr(bytes, 1, 26) = ${BINDING_PREFIX};`);
  const page = db.prepare(
    'SELECT agent_key, bytes FROM bindings WHERE baid IS NULL AND agent_key > ? ORDER BY agent_key LIMIT 512',
  );
  const set = db.prepare('UPDATE bindings SET baid = ? WHERE agent_key = ?');
  for (let after: Uint8Array = new Uint8Array(0); ;) {
    const rows = page.all(after) as Array<{ agent_key: Buffer; bytes: Buffer }>;
    if (rows.length === 0) break;
    for (const r of rows) set.run(storedBaid(u8(r.bytes)) ?? null, r.agent_key);
    after = rows[rows.length - 1]!.agent_key;
  }
  db.exec('CREATE INDEX bindings_baid ON bindings (baid, version)');
}

const MIGRATIONS: readonly Migration[] = [
  `CREATE TABLE entries (
     author BLOB NOT NULL, topic TEXT NOT NULL, epoch INTEGER NOT NULL, seq INTEGER NOT NULL,
     id BLOB NOT NULL UNIQUE, kind INTEGER NOT NULL, ts INTEGER NOT NULL, expires INTEGER NOT NULL,
     body_hash BLOB NOT NULL, bytes BLOB NOT NULL,
     PRIMARY KEY (author, topic, epoch, seq)) WITHOUT ROWID;
   CREATE TABLE heads (
     author BLOB NOT NULL, topic TEXT NOT NULL, epoch INTEGER NOT NULL, seq INTEGER NOT NULL,
     id BLOB NOT NULL, ts INTEGER NOT NULL, PRIMARY KEY (author, topic)) WITHOUT ROWID;
   CREATE TABLE bodies (hash BLOB PRIMARY KEY, bytes BLOB NOT NULL, expires INTEGER NOT NULL) WITHOUT ROWID;
   CREATE TABLE bindings (agent_key BLOB PRIMARY KEY, version INTEGER NOT NULL, bytes BLOB NOT NULL) WITHOUT ROWID;`,
  // v2: the task protocol's records and the credit ledger (src/runtime/store/credit-ledger.ts).
  `CREATE TABLE tasks (id TEXT PRIMARY KEY, role TEXT NOT NULL, state TEXT NOT NULL, record TEXT NOT NULL, updated INTEGER NOT NULL) WITHOUT ROWID;
   CREATE TABLE ledger_accounts (account TEXT PRIMARY KEY, balance INTEGER NOT NULL) WITHOUT ROWID;
   CREATE TABLE ledger_postings (n INTEGER PRIMARY KEY, task TEXT NOT NULL, rule TEXT NOT NULL, src TEXT NOT NULL, dst TEXT NOT NULL,
     amount INTEGER NOT NULL CHECK (amount > 0), ts INTEGER NOT NULL);
   CREATE INDEX ledger_postings_task ON ledger_postings (task);`,
  // v3: log retention (prune) finds expired entries and bodies by index instead of a full scan.
  `CREATE INDEX entries_expires ON entries (expires, body_hash);
   CREATE INDEX bodies_expires ON bodies (expires);`,
  // v4: the live-declaration index (LogStore.live), kept by append. Stores written before it hold only
  // keyless (v1) entries: per log of its newest epoch, the newest entry of each kind after the log's last
  // withdraw is live (one pass at the upgrade; no start-up ever scans the logs again). And the index that
  // finds other authors' unexpired entries of a kind (LogStore.unexpired) without reading history.
  `CREATE TABLE live (
     author BLOB NOT NULL, topic TEXT NOT NULL, kind INTEGER NOT NULL, key TEXT NOT NULL,
     epoch INTEGER NOT NULL, seq INTEGER NOT NULL, expires INTEGER NOT NULL,
     PRIMARY KEY (author, topic, kind, key)) WITHOUT ROWID;
   INSERT INTO live (author, topic, kind, key, epoch, seq, expires)
     SELECT e.author, e.topic, e.kind, '', e.epoch, e.seq, e.expires
     FROM entries e JOIN heads h ON h.author = e.author AND h.topic = e.topic AND h.epoch = e.epoch
     WHERE e.kind != ${WITHDRAW}
       AND e.seq = (SELECT max(x.seq) FROM entries x
                    WHERE x.author = e.author AND x.topic = e.topic AND x.epoch = e.epoch AND x.kind = e.kind)
       AND e.seq > coalesce((SELECT max(w.seq) FROM entries w
                    WHERE w.author = e.author AND w.topic = e.topic AND w.epoch = e.epoch AND w.kind = ${WITHDRAW}), 0);
   CREATE INDEX live_expires ON live (expires);
   CREATE INDEX entries_author_kind_expires ON entries (author, kind, expires);`,
  // v5: each entry's interest sketch as four 64-bit integers (little-endian words of the 32 bytes), so
  // `unexpired` with a mask is a Bloom test in SQL: a node's start finds the stored entries a standing
  // interest wants without decoding the others. Entries stored before it have NULL there and are offered
  // to every mask (the caller decodes and tests them as before).
  `ALTER TABLE entries ADD COLUMN sk0 INTEGER; ALTER TABLE entries ADD COLUMN sk1 INTEGER;
   ALTER TABLE entries ADD COLUMN sk2 INTEGER; ALTER TABLE entries ADD COLUMN sk3 INTEGER;`,
  bindingsByBaid,
];

/** The schema steps in order (version n is the n-th): a test builds a store as an earlier build left it. */
export const SCHEMA_MIGRATIONS: readonly Migration[] = MIGRATIONS;

/** A 32-byte sketch as the four signed 64-bit words stored in sk0..sk3 (SQLite integers are signed). */
function sketchWords(s: Uint8Array | undefined): Array<bigint | null> {
  if (!s || s.length !== 32) return [null, null, null, null];
  const v = new DataView(s.buffer, s.byteOffset, 32);
  return [0, 1, 2, 3].map((i) => v.getBigInt64(i * 8, true));
}

export interface SqliteOptions {
  readonly synchronous?: 'FULL' | 'NORMAL';
  /** SQLite page cache, KiB (profile `sqliteCacheKiB`). */
  readonly cacheKiB?: number;
  /** Size cap of the database file, bytes (profile `storeQuotaMiB`): SQLite's max_page_count, so a
   *  write beyond it fails with SQLITE_FULL and surfaces as STORE_FULL, like a full disk. */
  readonly maxBytes?: number;
}

type Row = {
  author: Buffer;
  topic: string;
  epoch: number;
  seq: number;
  id: Buffer;
  kind: number;
  ts: number;
  expires: number;
  body_hash: Buffer;
  bytes: Buffer;
  sk0?: bigint | number | null;
  sk1?: bigint | number | null;
  sk2?: bigint | number | null;
  sk3?: bigint | number | null;
};
const u8 = (b: Buffer): Uint8Array => new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
const toEntry = (r: Row): StoredEntry => ({
  author: u8(r.author),
  topic: r.topic,
  epoch: r.epoch,
  seq: r.seq,
  id: u8(r.id),
  kind: KINDS[r.kind]!,
  ts: r.ts,
  expires: r.expires,
  bodyHash: u8(r.body_hash),
  bytes: u8(r.bytes),
  ...(r.sk0 === null || r.sk0 === undefined ? {} : { sketch: sketchOf(r) }),
});

function sketchOf(r: Row): Uint8Array {
  const s = new Uint8Array(32);
  const v = new DataView(s.buffer);
  [r.sk0, r.sk1, r.sk2, r.sk3].forEach((w, i) => v.setBigInt64(i * 8, BigInt(w ?? 0), true));
  return s;
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
