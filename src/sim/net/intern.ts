// Immutable data shared across simulated nodes (docs/architecture.md §10: identical work is shared across nodes,
// nothing is faked). A decoded binding is a pure function of its bytes, so all nodes can hold the same
// decoded object: the decoder below is content-addressed by SHA-256 of the bytes. Every node still
// runs every check of its own (signatures through the memo, windows, chains, revocations: its own
// IdentityTiers state); only the decoded, frozen-by-convention object is shared. Decoding failures are
// not cached (the DecodeError is thrown again for every node that sees the bytes).

import { equalBytes, toHex } from '../../core/base/bytes.js';
import { decodeBinding, type SignedBinding } from '../../core/codec/binding.js';
import type { BindingDecoder } from '../../core/identity/binding.js';
import type { Hashes } from '../../core/base/ports.js';
import { parseMessage, type EntryHash, type ParsedMessage } from '../../core/codec/parsed.js';
import type { Limits } from '../../core/codec/limits.js';
import { MemoryStore } from '../../core/log/memory-store.js';
import type { StoredEntry } from '../../core/log/store.js';

export function sharedBindingDecoder(h: Hashes, maxEntries = 1 << 17): BindingDecoder {
  const cache = new Map<string, SignedBinding>();
  return (bytes, limits) => {
    const k = toHex(h.sha256(bytes));
    const hit = cache.get(k);
    if (hit) return hit;
    const d = decodeBinding(bytes, limits);
    if (cache.size >= maxEntries) cache.delete(cache.keys().next().value!);
    cache.set(k, d);
    return d;
  };
}

/**
 * Stored log entries shared across simulated nodes: every node that stores an entry stores the same object. A
 * StoredEntry is a pure function of the entry's bytes (its id is their SHA-256, every other field is decoded from
 * them), and each node computes the id from the bytes it received, so entries with equal ids are equal. The bytes
 * are still compared before a stored object is reused (a store must not rely on its caller's id), so a node that
 * stores other bytes under an id keeps its own object. What a node verified before storing is unchanged: the
 * sharing happens at `append`, after the node's own checks.
 */
export class SharedEntries {
  private readonly byId = new Map<string, StoredEntry>();
  /** Appends answered with an entry another node stored first. */
  shared = 0;

  intern(e: StoredEntry): StoredEntry {
    const k = toHex(e.id);
    const hit = this.byId.get(k);
    if (hit === undefined) {
      this.byId.set(k, e);
      return e;
    }
    if (hit === e || !equalBytes(hit.bytes, e.bytes)) return e;
    this.shared++;
    return hit;
  }
}

/** A simulated node's log store whose entries are interned in `shared` (one object per entry across nodes). */
export class SharedEntryStore extends MemoryStore {
  constructor(private readonly shared: SharedEntries) {
    super();
  }

  override append(e: StoredEntry): void {
    super.append(this.shared.intern(e));
  }
}

/**
 * Step 2 of NodeCore.handleMessages shared across simulated nodes: the hub hands every subscriber the same message
 * object, and its parsed record (decoded entries and their ids) is a pure function of the message, its name and the
 * limits, so the first node's record serves the others. Keyed by the message object (a WeakMap: a record lives as
 * long as its message), and checked against the name and limits it was parsed under; the signature checks, log
 * rules and everything after are each node's own.
 */
export function sharedParser(): typeof parseMessage {
  const byMessage = new WeakMap<Uint8Array, { parsed: ParsedMessage; limits: Limits; hash: EntryHash | undefined }>();
  return (channel, key, bytes, limits, hash) => {
    const hit = byMessage.get(bytes);
    // Every node's entry hash is SHA-256 (AgentCore.entryHash), so records parsed with one serve any other.
    const same = hit && hit.limits === limits && (hit.hash === undefined) === (hash === undefined);
    if (same && hit.parsed.channel === channel && hit.parsed.key === key) return hit.parsed;
    const parsed = parseMessage(channel, key, bytes, limits, hash);
    byMessage.set(bytes, { parsed, limits, hash });
    return parsed;
  };
}
