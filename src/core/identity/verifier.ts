// Tiered verification, tiers T0-T2 (DESIGN §6). T3/T4 and batching through the WASM kernel plug in
// behind the same methods in later work.
//
//  T0  entry id already verified: a bounded LRU of ids, no crypto.
//  T1  signature of an entry/frontier/birth by an agent key whose binding passed T2 and is cached.
//  T2  the binding itself (identity/binding.ts): both signatures, baid, window; cached per agent key,
//      and re-checked against the window at the time of each T1 use.

import { toHex } from '../bytes.js';
import type { Binding } from '../codec/binding.js';
import type { Limits } from '../codec/limits.js';
import type { RejectReason } from '../errors.js';
import type { CryptoPort } from '../ports.js';
import { checkBinding } from './binding.js';

export type Check = { readonly ok: true } | { readonly ok: false; readonly reason: RejectReason; readonly detail: string };
const OK: Check = { ok: true };

export interface TierCounters {
  T0: number;
  T1: number;
  T2: number;
}

export class TieredVerifier {
  readonly counters: TierCounters = { T0: 0, T1: 0, T2: 0 };
  private readonly seen = new Map<string, true>();
  private readonly bindings = new Map<string, { binding: Binding; bytes: Uint8Array }>();

  constructor(
    private readonly crypto: CryptoPort,
    private readonly limits: Limits,
    /** Capacity of the T0 cache (entry ids). */
    private readonly cacheSize = 4096,
    private readonly operators?: ReadonlySet<string>,
  ) {
    if (!Number.isInteger(cacheSize) || cacheSize < 1) throw new RangeError('TieredVerifier: cacheSize must be a positive integer');
  }

  /** T0: has this entry id passed T1 before? Refreshes its LRU position. */
  seenBefore(idHex: string): boolean {
    if (!this.seen.has(idHex)) return false;
    this.seen.delete(idHex);
    this.seen.set(idHex, true);
    this.counters.T0++;
    return true;
  }

  remember(idHex: string): void {
    this.seen.set(idHex, true);
    if (this.seen.size > this.cacheSize) this.seen.delete(this.seen.keys().next().value!);
  }

  /** T2: verifies and caches a binding. A newer version replaces an older one; an older one is refused. */
  acceptBinding(bytes: Uint8Array, now: number): Check & { binding?: Binding } {
    this.counters.T2++;
    const r = checkBinding(this.crypto, bytes, now, this.limits, this.operators, toHex);
    if (!r.ok) return r;
    const b = r.signed.binding;
    const key = toHex(b.agentKey);
    const cur = this.bindings.get(key);
    if (cur && cur.binding.version > b.version) return { ok: false, reason: 'stale', detail: `binding version ${b.version} older than cached ${cur.binding.version}` };
    this.bindings.set(key, { binding: b, bytes });
    return { ok: true, binding: b };
  }

  bindingOf(agentKeyHex: string): Binding | undefined {
    return this.bindings.get(agentKeyHex)?.binding;
  }

  bindingBytesOf(agentKeyHex: string): Uint8Array | undefined {
    return this.bindings.get(agentKeyHex)?.bytes;
  }

  knownAgents(): number {
    return this.bindings.size;
  }

  /**
   * T1: `sig` over `toBeSigned` by `author`, whose binding is cached and valid at `at` (the object's
   * own timestamp, so history stays verifiable) and, for entries, covers `topic`.
   */
  checkSigned(author: Uint8Array, toBeSigned: Uint8Array, sig: Uint8Array, at: number, topic?: string): Check {
    const b = this.bindings.get(toHex(author))?.binding;
    if (!b) return { ok: false, reason: 'unknown_author', detail: 'no verified binding for author' };
    if (at < b.notBefore || at >= b.notAfter) return { ok: false, reason: 'binding_expired', detail: 'signed outside the binding window' };
    if (topic !== undefined && b.scope.length > 0 && !b.scope.includes(topic)) return { ok: false, reason: 'out_of_scope', detail: `topic ${topic} not in binding scope` };
    this.counters.T1++;
    if (!this.crypto.verifier.verify(author, toBeSigned, sig)) return { ok: false, reason: 'bad_signature', detail: 'signature does not verify' };
    return OK;
  }
}
