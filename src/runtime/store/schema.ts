// The SQLite store's schema (sqlite.ts): the migrations in order (version n is the n-th; each runs inside a
// transaction, recorded in the `migrations` table) and how an `entries` row reads back as a StoredEntry.

import type Database from 'better-sqlite3';
import { KINDS } from '../../core/codec/entry.js';
import { storedBaid, type StoredEntry } from '../../core/log/store.js';

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

export const MIGRATIONS: readonly Migration[] = [
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
export function sketchWords(s: Uint8Array | undefined): Array<bigint | null> {
  if (!s || s.length !== 32) return [null, null, null, null];
  const v = new DataView(s.buffer, s.byteOffset, 32);
  return [0, 1, 2, 3].map((i) => v.getBigInt64(i * 8, true));
}

export type Row = {
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
export const u8 = (b: Buffer): Uint8Array => new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
export const toEntry = (r: Row): StoredEntry => ({
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
