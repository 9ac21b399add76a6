// Verification of stored bindings, with a cache of what this node verified before.
//
// Bindings stay in the store; the core loads one when it first needs it (identity/tiers.ts) and checks it again
// (T2: decode, operator and agent signatures, validity window, operator allow-list). The signatures are the
// expensive part and their validity never changes, so the node remembers, per binding, the signatures it has
// verified: a row in `verified_bindings` holds the SHA-256 of the exact binding bytes, the `sigDigest` of each of
// its signatures (which names one exact (key, message, signature) triple) and an HMAC over both under a key derived
// from this node's agent secret. `VerifiedBindings.vouch` runs just before the core checks a stored binding: when
// its bytes hash to a row with a valid HMAC, those digests are answered "valid" by the PrimedVerifier; the core
// still decodes it, checks the window, the allow-list and revocations, and asks for each signature: only a triple
// with exactly a remembered digest is answered from the cache. Any other binding (new, changed by a single byte,
// or whose row was written by another node or edited by hand) is verified then, and remembered only if every
// signature in it verified. `primeKnownBindings` does the same for a known set at once, in WASM batches of the
// profile's size, and drops the rows of bindings not in that set.
//
// The table is a cache, not part of the log schema (no migration): dropping it only costs verification time.
// A failure to read or write it (e.g. STORE_FULL) is reported and ignored.

import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import type Database from 'better-sqlite3';
import { decodeBinding } from '../core/codec/binding.js';
import type { Limits } from '../core/codec/limits.js';
import type { SigItem } from '../core/base/ports.js';
import { sigDigest, type PrimedVerifier } from './verifier.js';

const DIGEST = 32;

export interface StartupVerification {
  /** Bindings in the store. */
  readonly known: number;
  /** Bindings whose signatures were answered from the cache. */
  readonly cached: number;
  /** Signatures verified now (in batches), and how many of them failed. */
  readonly verified: number;
  readonly invalid: number;
  /** Why the cache could not be used, if it could not (verification then covers every binding). */
  readonly cacheError?: string;
}

export function primeKnownBindings(o: {
  db: Database.Database;
  bindings: readonly Uint8Array[];
  verifier: PrimedVerifier;
  agentSecret: Uint8Array;
  limits: Limits;
  batchSize: number;
}): StartupVerification {
  const key = createHash('sha256').update('agentnet verified-bindings v1\0').update(o.agentSecret).digest();
  const mac = (hash: Uint8Array, digests: Uint8Array): Buffer =>
    createHmac('sha256', key).update(hash).update(digests).digest();
  let cacheError: string | undefined;
  let rows = new Map<string, { hash: Buffer; digests: Buffer; mac: Buffer }>();
  try {
    o.db.exec(
      'CREATE TABLE IF NOT EXISTS verified_bindings (hash BLOB PRIMARY KEY, digests BLOB NOT NULL, mac BLOB NOT NULL) WITHOUT ROWID',
    );
    const all = o.db.prepare('SELECT hash, digests, mac FROM verified_bindings').all() as Array<{
      hash: Buffer;
      digests: Buffer;
      mac: Buffer;
    }>;
    rows = new Map(all.map((r) => [r.hash.toString('base64'), r]));
  } catch (e) {
    cacheError = (e as Error).message;
  }

  const trusted: Uint8Array[] = [];
  const todo: Array<{ hash: Buffer; items: SigItem[] }> = [];
  const keep = new Set<string>();
  for (const bytes of o.bindings) {
    const hash = createHash('sha256').update(bytes).digest();
    const id = hash.toString('base64');
    const row = rows.get(id);
    if (
      row &&
      row.digests.length % DIGEST === 0 &&
      row.mac.length === DIGEST &&
      timingSafeEqual(row.mac, mac(hash, row.digests))
    ) {
      keep.add(id);
      for (let i = 0; i < row.digests.length; i += DIGEST) trusted.push(row.digests.subarray(i, i + DIGEST));
      continue;
    }
    try {
      todo.push({
        hash,
        items: decodeBinding(bytes, o.limits).signers.map((x) => ({ pub: x.kid, msg: x.toBeSigned, sig: x.signature })),
      });
    } catch {
      // malformed: the core reports it when it decodes the binding itself
    }
  }
  o.verifier.trust(trusted);

  // Verify the rest in batches; every answer is kept for the core (keepAll), like the cached ones.
  const items = todo.flatMap((t) => t.items);
  const results: boolean[] = [];
  for (let i = 0; i < items.length; i += o.batchSize)
    results.push(...o.verifier.prime(items.slice(i, i + o.batchSize), true));
  const fresh: Array<{ hash: Buffer; digests: Buffer }> = [];
  let at = 0;
  for (const t of todo) {
    const ok = t.items.length > 0 && t.items.every((_, j) => results[at + j]);
    if (ok) fresh.push({ hash: t.hash, digests: Buffer.concat(t.items.map((it) => sigDigest(it))) });
    at += t.items.length;
  }

  if (cacheError === undefined) {
    try {
      const put = o.db.prepare('INSERT OR REPLACE INTO verified_bindings (hash, digests, mac) VALUES (?, ?, ?)');
      const del = o.db.prepare('DELETE FROM verified_bindings WHERE hash = ?');
      const written = new Set(fresh.map((f) => f.hash.toString('base64')));
      o.db.transaction(() => {
        for (const f of fresh) put.run(f.hash, f.digests, mac(f.hash, f.digests));
        for (const [id, r] of rows) if (!keep.has(id) && !written.has(id)) del.run(r.hash);
      })();
    } catch (e) {
      cacheError = (e as Error).message;
    }
  }
  return {
    known: o.bindings.length,
    cached: keep.size,
    verified: items.length,
    invalid: results.filter((r) => !r).length,
    ...(cacheError ? { cacheError } : {}),
  };
}

const TABLE =
  'CREATE TABLE IF NOT EXISTS verified_bindings (hash BLOB PRIMARY KEY, digests BLOB NOT NULL, mac BLOB NOT NULL) WITHOUT ROWID';

/** The on-demand form: one binding at a time, as the core loads them (AgentOptions.vouchBinding). */
export class VerifiedBindings {
  /** Bindings answered from the cache, signatures verified now and how many of them failed. */
  readonly stats = { cached: 0, verified: 0, invalid: 0 };
  /** Why the cache cannot be used, if it cannot (every binding is then verified). */
  cacheError: string | undefined;
  private readonly key: Buffer;
  private readonly q: { get: Database.Statement; put: Database.Statement } | undefined;

  constructor(
    private readonly o: {
      db: Database.Database;
      verifier: PrimedVerifier;
      agentSecret: Uint8Array;
      limits: Limits;
    },
  ) {
    this.key = createHash('sha256').update('agentnet verified-bindings v1\0').update(o.agentSecret).digest();
    try {
      o.db.exec(TABLE);
      this.q = {
        get: o.db.prepare('SELECT digests, mac FROM verified_bindings WHERE hash = ?'),
        put: o.db.prepare('INSERT OR REPLACE INTO verified_bindings (hash, digests, mac) VALUES (?, ?, ?)'),
      };
    } catch (e) {
      this.cacheError = (e as Error).message;
    }
  }

  private mac(hash: Uint8Array, digests: Uint8Array): Buffer {
    return createHmac('sha256', this.key).update(hash).update(digests).digest();
  }

  /** Answers the signatures of `bytes` ahead of the core's check: from the cache, or verified now (and remembered). */
  vouch(bytes: Uint8Array): void {
    const hash = createHash('sha256').update(bytes).digest();
    const row = this.read(hash);
    if (row) {
      const digests: Uint8Array[] = [];
      for (let i = 0; i < row.length; i += DIGEST) digests.push(row.subarray(i, i + DIGEST));
      this.o.verifier.trust(digests);
      this.stats.cached++;
      return;
    }
    let items: SigItem[];
    try {
      items = decodeBinding(bytes, this.o.limits).signers.map((x) => ({
        pub: x.kid,
        msg: x.toBeSigned,
        sig: x.signature,
      }));
    } catch {
      return; // malformed: the core reports it when it decodes the binding itself
    }
    const results = this.o.verifier.prime(items); // bounded by the verifier's capacity; the core asks right away
    this.stats.verified += items.length;
    this.stats.invalid += results.filter((r) => !r).length;
    if (items.length === 0 || !results.every((r) => r) || !this.q) return;
    const digests = Buffer.concat(items.map((it) => sigDigest(it)));
    try {
      this.q.put.run(hash, digests, this.mac(hash, digests));
    } catch (e) {
      this.cacheError = (e as Error).message;
    }
  }

  /** The digests of a row whose HMAC is valid, if the cache holds one for `hash`. */
  private read(hash: Buffer): Buffer | undefined {
    if (!this.q) return undefined;
    let row: { digests: Buffer; mac: Buffer } | undefined;
    try {
      row = this.q.get.get(hash) as typeof row;
    } catch (e) {
      this.cacheError = (e as Error).message;
      return undefined;
    }
    if (!row || row.digests.length % DIGEST !== 0 || row.mac.length !== DIGEST) return undefined;
    return timingSafeEqual(row.mac, this.mac(hash, row.digests)) ? row.digests : undefined;
  }
}
