// The LogStore port (docs/architecture.md §4): what the core needs from storage, written so that a memory store and
// a SQLite store satisfy one contract suite (test/contract/store.contract.ts, docs/conventions.md §8).
//
// Invariants every implementation keeps:
//  - (author, topic, epoch, seq) is unique; `append` refuses a second entry there (LOG_CONFLICT),
//    so a node can never store a fork of anybody's log, including its own.
//  - `append` of seq s in an existing epoch requires s = head.seq + 1 (the core checks prev).
//  - writes inside `transaction(fn)` are atomic: all or none survive a crash.
//  - `prune` (log retention, docs/decisions.md "Logs and gossip") deletes only entries of authors other
//    than `keepAuthor` that are expired (`expires <= now`) and older than `olderThanTs` (`ts <` it),
//    never the head entry of a log (`head()` and `logs()` are unchanged by it), and bodies that are
//    expired and referenced by no unexpired entry. It is idempotent.
//  - `live` is an index kept by `append` (never a scan of a log): per (author, topic, kind, key) the
//    newest entry of the log's newest epoch, unless a later withdraw took it back (a withdraw with a key
//    retires that key's declarations of every kind, one without a key the whole topic) or an entry of a
//    newer epoch started the log again. Its answer is independent of how long the logs are.

import { decodeBinding } from '../codec/binding.js';
import type { Kind } from '../codec/entry.js';
import { DEFAULT_LIMITS } from '../codec/limits.js';

/**
 * The baid of stored binding bytes, for a store whose caller did not pass it (every stored binding passed T2, so
 * it decodes; undefined for bytes that do not, which are then found by agent key only).
 */
export function storedBaid(bytes: Uint8Array): Uint8Array | undefined {
  try {
    return decodeBinding(bytes, {
      ...DEFAULT_LIMITS,
      bindingBytes: Math.max(DEFAULT_LIMITS.bindingBytes, bytes.length),
    }).binding.baid;
  } catch {
    return undefined;
  }
}

export interface StoredEntry {
  readonly id: Uint8Array;
  readonly author: Uint8Array;
  readonly topic: string;
  readonly epoch: number;
  readonly seq: number;
  readonly kind: Kind;
  readonly ts: number;
  readonly expires: number;
  readonly bodyHash: Uint8Array;
  /** The COSE_Sign1 bytes exactly as received or signed. */
  readonly bytes: Uint8Array;
  /** The declaration key (entry field 13); absent for a keyless declaration. */
  readonly key?: string;
  /**
   * The header's interest sketch (entry field 11), kept beside the bytes so that a standing interest finds
   * matching entries at start without decoding every stored one (`unexpired` with a mask). Optional: an
   * entry stored without it is offered to every mask.
   */
  readonly sketch?: Uint8Array;
}

export interface LogHead {
  readonly epoch: number;
  readonly seq: number;
  readonly id: Uint8Array;
  readonly ts: number;
}

export interface LogRef {
  readonly author: Uint8Array;
  readonly topic: string;
  readonly head: LogHead;
}

export interface LogStore {
  /** Head of the newest epoch of the (author, topic) log. */
  head(author: Uint8Array, topic: string): LogHead | undefined;
  get(author: Uint8Array, topic: string, epoch: number, seq: number): StoredEntry | undefined;
  /** Entries fromSeq..toSeq inclusive that are present, ascending. */
  range(author: Uint8Array, topic: string, epoch: number, fromSeq: number, toSeq: number): StoredEntry[];
  append(e: StoredEntry): void;
  /**
   * The author's live declarations (see `live` above) unexpired at `now`, in one topic or all, ordered by
   * topic then seq; each carries its `key`.
   */
  live(author: Uint8Array, now: number, topic?: string): StoredEntry[];
  /**
   * The author's live declaration with one identity (topic, kind, key; no key: the topic's keyless one) unexpired
   * at `now`: the one entry of `live` with that identity, found without reading the others (an announce asks it).
   */
  liveOne(
    author: Uint8Array,
    topic: string,
    kind: StoredEntry['kind'],
    key: string | undefined,
    now: number,
  ): StoredEntry | undefined;
  /**
   * Entries of `kind` unexpired at `now`, by authors other than `except`, ordered by (author, topic, epoch,
   * seq): found by expiry (an index), not by reading every log, so expired history costs nothing. With
   * `sketchMask` (SKETCH_BYTES), only entries whose sketch has every bit of the mask set, and those stored
   * without a sketch: a Bloom test the store does on its own columns, so entries no interest wants are
   * neither read nor decoded.
   */
  unexpired(kind: Kind, now: number, except: Uint8Array, sketchMask?: Uint8Array): StoredEntry[];
  /** Every log with its head; `author` filters to one author. */
  logs(author?: Uint8Array): LogRef[];
  entryCount(): number;

  putBody(hash: Uint8Array, bytes: Uint8Array, expires: number): void;
  getBody(hash: Uint8Array): Uint8Array | undefined;

  /**
   * Latest verified binding per agent key (loaded and verified again on demand, identity/tiers.ts), indexed by its
   * baid too (`bindingsOfBaid`); `baid` is read from the bytes when not given.
   */
  putBinding(agentKey: Uint8Array, version: number, bytes: Uint8Array, baid?: Uint8Array): void;
  bindings(): Uint8Array[];
  /** The stored binding of one agent key. */
  binding(agentKey: Uint8Array): Uint8Array | undefined;
  /** Stored bindings at a version after the first (rotations and renewals; a scan, not used by a node's start). */
  laterBindings(): Uint8Array[];
  /**
   * The stored bindings of a baid (one per agent key it has bound), latest version first: an index look-up, so a
   * binding loaded on demand is checked against its baid's latest version without holding any in memory.
   */
  bindingsOfBaid(baid: Uint8Array): Array<{ version: number; bytes: Uint8Array }>;
  /** The first stored binding `match` accepts, reading one at a time (a scan: for rare look-ups only). */
  findBinding(match: (bytes: Uint8Array) => boolean): Uint8Array | undefined;

  /** Log retention: see the invariants above. Returns how many entries and bodies were deleted. */
  prune(now: number, olderThanTs: number, keepAuthor: Uint8Array): { entries: number; bodies: number };

  transaction<T>(fn: () => T): T;
  close(): void;
}
