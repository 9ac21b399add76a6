// Tiered verification (docs/architecture.md §6).
//
//  T0  entry id already verified: a bounded LRU of ids, no crypto.
//  T1  signature of an entry/frontier/birth by an agent key whose binding passed T2 and is cached,
//      valid at the object's own time, in scope, not revoked at that time.
//  T2  the binding: stateless checks (identity/binding.ts: both signatures, baid, window) plus the
//      version chain per baid (prev = SHA-256 of the previous version, same operator), pre-rotation
//      (a new agent key must hash to the previous version's nextKeyHash) and the revocation list.
//      A first contact at version v > 1 is accepted as the start of what this node knows (the chain
//      before it cannot be checked without the earlier versions); from then on every step is checked.
//  T3  code attestation + operator KYC (identity/attestation.ts), cached per agent key.
//  T4  fraud proofs (fraud-intake.ts): fork proofs quarantine their author; fork, dispute and bad-delivery
//      proofs are queued for trust (slashing) via pollFraud().
// The binding cache is binding-cache.ts, revocations revocation-list.ts.

import { equalBytes, toHex } from '../base/bytes.js';
import type { Binding } from '../codec/binding.js';
import type { Limits } from '../codec/limits.js';
import type { RejectReason } from '../base/errors.js';
import type { CryptoPort } from '../base/ports.js';
import { checkAttestation, type AttestationEvidence, type AttestationTrust } from './attestation.js';
import { checkBinding, type BindingDecoder } from './binding.js';
import { compact, type BindingSource, type Known } from './binding-cache.js';
import { FraudIntake } from './fraud-intake.js';
import { RevocationList } from './revocation-list.js';
import type { FraudProof } from './fraud.js';

export type Check =
  { readonly ok: true } | { readonly ok: false; readonly reason: RejectReason; readonly detail: string };
const OK: Check = { ok: true };
const no = (reason: RejectReason, detail: string): Check => ({ ok: false, reason, detail });

export type { BindingSource } from './binding-cache.js';

export interface TierCounters {
  T0: number;
  T1: number;
  T2: number;
  T3: number;
  T4: number;
}

export class IdentityTiers {
  readonly counters: TierCounters = { T0: 0, T1: 0, T2: 0, T3: 0, T4: 0 };
  private readonly seen = new Map<string, true>();
  private readonly byAgent = new Map<string, Known>();
  private readonly byBaid = new Map<string, Known>();
  private readonly attested = new Set<string>();
  constructor(
    private readonly crypto: CryptoPort,
    private readonly limits: Limits,
    /** Capacity of the T0 cache (entry ids). */
    private readonly cacheSize = 4096,
    private readonly operators?: ReadonlySet<string>,
    /** Binding decoder (default: decode each time); a simulator shares decoded bindings across nodes. */
    private readonly decode?: BindingDecoder,
    /** Where bindings the cache does not hold are loaded from (none: the cache is all this node knows). */
    private readonly source?: BindingSource,
    /** Capacity of the binding cache (agents); pinned bindings (see `pinned`) are never evicted. */
    private readonly bindingCacheSize = Infinity,
  ) {
    if (!Number.isInteger(cacheSize) || cacheSize < 1)
      throw new RangeError('IdentityTiers: cacheSize must be a positive integer');
    if (!(bindingCacheSize >= 1)) throw new RangeError('IdentityTiers: bindingCacheSize must be at least 1');
    this.t4 = new FraudIntake(crypto, limits, cacheSize);
    this.revocations = new RevocationList(crypto, cacheSize);
  }

  /** Revocations, enforced at T1 and T2. */
  private readonly revocations: RevocationList;

  /** T4: fraud proofs, the quarantine and the queue for trust. */
  private readonly t4: FraudIntake;

  /** The latest `now` this node passed in: the time a binding loaded on demand is checked at. */
  private clock = -Infinity;
  /** The own agent key (hex), pinned in the cache (setOwn). */
  private own: string | undefined;
  /**
   * The binding the last successful acceptOne accepted or matched: what a caller loading a chain tip compares with,
   * even when the cache evicted it at once (a cache full of pinned bindings).
   */
  private accepted: Known | undefined;
  /** Bindings loaded from the source and evicted since start (status). */
  readonly cache = { loaded: 0, evicted: 0 };

  /** Marks the node's own agent key: its binding is never evicted. */
  setOwn(agentKeyHex: string): void {
    this.own = agentKeyHex;
  }

  /**
   * The cached binding of an agent key, loaded from the source (and verified, T2) when the cache does not hold
   * it. A binding that fails T2 now (expired, revoked at the last `now`, stale against a cached later version)
   * is not cached and the agent stays unknown, as it would be to a node that never stored it.
   */
  private lookup(hex: string): Known | undefined {
    const k = this.byAgent.get(hex);
    if (k) {
      if (this.bindingCacheSize !== Infinity) {
        this.byAgent.delete(hex); // LRU: refreshed on use
        this.byAgent.set(hex, k);
      }
      return k;
    }
    const bytes = this.source?.bindingOf(hex);
    if (!bytes) return undefined;
    this.cache.loaded++;
    this.source!.vouch?.(bytes);
    const r = this.acceptOne(bytes, this.clock, false, true);
    // Checked against what was accepted, also when the cache evicted it at once (full of pinned bindings).
    const loaded = r.ok ? this.accepted : undefined;
    return loaded && toHex(loaded.binding.agentKey) === hex ? loaded : undefined;
  }

  /**
   * Never evicted: the own binding and rotated-out keys seen rotating (what retirement rests on: reloaded, such a
   * key would be refused as stale instead of keeping what it signed before its rotation). Versions after the first
   * are pinned too when the source cannot find a baid's versions: a first version loaded alone would otherwise be
   * accepted as current.
   */
  private pinned(k: Known, hex: string): boolean {
    return (
      hex === this.own ||
      k.supersededAt !== undefined ||
      (k.binding.version > 1 && this.source?.bindingsOfBaid === undefined)
    );
  }

  /** Evicts least recently used, unpinned bindings beyond the capacity (they stay in the source). */
  private evict(): void {
    if (this.byAgent.size <= this.bindingCacheSize) return;
    for (const [hex, k] of this.byAgent) {
      if (this.byAgent.size <= this.bindingCacheSize) return;
      if (this.pinned(k, hex)) continue;
      this.byAgent.delete(hex);
      const baid = toHex(k.binding.baid);
      if (this.byBaid.get(baid) === k) this.byBaid.delete(baid);
      this.cache.evicted++;
    }
  }

  // ---------------------------------------------------------------- T0

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

  // ---------------------------------------------------------------- T2

  /**
   * T2: verifies and caches a binding. `chain` may carry earlier versions (oldest first) so that a
   * node meeting an agent at version v can check the steps from what it knows.
   */
  acceptBinding(bytes: Uint8Array, now: number, chain: readonly Uint8Array[] = []): Check & { binding?: Binding } {
    if (now > this.clock) this.clock = now;
    for (const earlier of chain) {
      const r = this.acceptOne(earlier, now, true);
      if (!r.ok && r.reason !== 'stale') return r;
    }
    return this.acceptOne(bytes, now, false);
  }

  private acceptOne(
    bytes: Uint8Array,
    now: number,
    historic: boolean,
    /** Read from the source: its chain was checked when it was stored, so no predecessor is looked up. */
    stored = false,
  ): Check & { binding?: Binding } {
    this.counters.T2++;
    // A historic version of the chain may have expired; it is checked at its own notBefore instead.
    const r = checkBinding(this.crypto, bytes, now, this.limits, this.operators, toHex, this.decode);
    if (!r.ok && !(historic && r.reason === 'binding_expired')) return r;
    const b = r.signed?.binding;
    if (!b) return r;
    const agent = toHex(b.agentKey);
    const baid = toHex(b.baid);
    this.revocations.confirm(agent, b);
    if (this.revocations.isRevoked(agent, now))
      return no('revoked', `agent key revoked at ${this.revocations.revokedAt(agent)}`);
    const hash = this.crypto.sha256(bytes);
    const prev =
      this.byBaid.get(baid) ??
      this.storedTip(b, bytes, now) ??
      (stored ? undefined : this.predecessor(b, agent, hash, now));
    if (prev) {
      const pv = prev.binding.version;
      if (b.version < pv) return no('stale', `binding version ${b.version} older than known ${pv}`);
      if (b.version === pv) {
        if (!equalBytes(hash, prev.hash))
          return no('binding_invalid', `two different bindings at version ${pv} (equivocation)`);
        this.accepted = prev;
        return { ok: true, binding: prev.binding };
      }
      if (b.version > pv + 1)
        return no('binding_invalid', `chain gap: know v${pv}, got v${b.version}; send the versions between`);
      if (!b.prev || !equalBytes(b.prev, prev.hash))
        return no('binding_invalid', 'broken version chain: prev is not the hash of the previous binding');
      if (!equalBytes(b.operatorKey, prev.binding.operatorKey))
        return no('binding_invalid', 'version chain changes the operator');
      if (prev.binding.nextKeyHash && !equalBytes(this.crypto.sha256(b.agentKey), prev.binding.nextKeyHash)) {
        return no('binding_invalid', 'rotation to a key the previous version did not commit to (pre-rotation)');
      }
      if (!equalBytes(b.agentKey, prev.binding.agentKey)) prev.supersededAt = b.notBefore;
    }
    // A shared decoder (a simulator's) shares the decoded binding across nodes: kept as it is; else compacted.
    const known: Known = this.decode ? { binding: b, bytes: r.signed!.bytes, hash } : compact(b, r.signed!.bytes, hash);
    this.byBaid.set(baid, known);
    const cur = this.byAgent.get(agent);
    if (!cur || cur.binding.version <= b.version) this.byAgent.set(agent, known);
    this.accepted = known;
    this.evict();
    return { ok: true, binding: known.binding };
  }

  /**
   * The latest stored version of a baid the cache does not hold, when it is a version after the first and not
   * `bytes` itself: loaded through T2 (as the node's own store, its chain was checked when it was stored), so that
   * an earlier version met later is refused as stale and a newer one is checked as the next step of the chain, as
   * if every later version had been held in memory. One index look-up; none when the source cannot answer it.
   */
  private storedTip(b: Binding, bytes: Uint8Array, now: number): Known | undefined {
    const tip = this.source?.bindingsOfBaid?.(b.baid)[0];
    if (!tip || tip.version <= 1 || equalBytes(tip.bytes, bytes)) return undefined;
    this.cache.loaded++;
    this.source!.vouch?.(tip.bytes);
    return this.loadedOf(b, this.acceptOne(tip.bytes, now, false, true).ok);
  }

  /** The binding a load from the source just accepted, when it is of `b`'s baid (what `b` is checked against). */
  private loadedOf(b: Binding, ok: boolean): Known | undefined {
    const k = ok ? this.accepted : undefined;
    return k && equalBytes(k.binding.baid, b.baid) ? k : undefined;
  }

  /**
   * The version chain's tip for a baid the cache does not hold, from the source: the stored binding of the same
   * agent key, or (for a version after the first) the stored binding `prev` names. Loaded through T2 like any
   * other, so the chain, pre-rotation and equivocation checks see what a node holding every binding would see.
   */
  private predecessor(b: Binding, agent: string, hash: Uint8Array, now: number): Known | undefined {
    if (!this.source) return undefined;
    const stored = this.byAgent.has(agent) ? undefined : this.source.bindingOf(agent);
    const same = stored && !equalBytes(this.crypto.sha256(stored), hash) ? stored : undefined;
    const earlier = same ?? (b.version > 1 && b.prev ? this.source.bindingWithHash(b.prev) : undefined);
    if (!earlier) return undefined;
    this.cache.loaded++;
    this.source.vouch?.(earlier);
    return this.loadedOf(b, this.acceptOne(earlier, now, true, true).ok);
  }

  /**
   * A binding read from the node's own store: verified like any other (T2) but its chain was checked when it was
   * stored (a source without `bindingsOfBaid` needs the versions after the first given here at start-up).
   */
  acceptStored(bytes: Uint8Array, now: number): Check & { binding?: Binding } {
    if (now > this.clock) this.clock = now;
    this.source?.vouch?.(bytes);
    return this.acceptOne(bytes, now, false, true);
  }

  bindingOf(agentKeyHex: string): Binding | undefined {
    return this.lookup(agentKeyHex)?.binding;
  }

  bindingBytesOf(agentKeyHex: string): Uint8Array | undefined {
    return this.lookup(agentKeyHex)?.bytes;
  }

  /** SHA-256 of the binding bytes held for the agent key (what a death names, codec/messages.ts field 7). */
  bindingHashOf(agentKeyHex: string): Uint8Array | undefined {
    return this.lookup(agentKeyHex)?.hash;
  }

  knownAgents(): number {
    return this.byAgent.size;
  }

  /** Occupancy of the T0 cache: ids held and its capacity (status: a soak's warm-up ends when it is full). */
  t0Occupancy(): { size: number; capacity: number } {
    return { size: this.seen.size, capacity: this.cacheSize };
  }

  /** Agent keys (hex) whose binding passed T2, in first-verified order (peer lists, metrics). */
  agentKeys(): string[] {
    return [...this.byAgent.keys()];
  }

  /**
   * A signed revocation by the agent's operator (identity/revocation-list.ts): when the binding is known the operator
   * and baid must match it; an unknown agent's revocation is kept and enforced if a binding for it arrives later.
   */
  acceptRevocation(bytes: Uint8Array): Check & { agent?: string; at?: number; fresh?: boolean } {
    return this.revocations.accept(bytes, (agent) => this.lookup(agent)?.binding);
  }

  isRevoked(agentKeyHex: string, at: number): boolean {
    return this.revocations.isRevoked(agentKeyHex, at);
  }

  /**
   * Rotated out at `at`: a later version of the agent's binding (same baid) binds another key and is valid
   * from `at` on. No grace period (docs/decisions.md, Identity): from the new version's notBefore the old key
   * is tier 0, its candidates leave discover() and its signatures dated from then on are refused at T1;
   * what it signed before stays verifiable.
   */
  isRetired(agentKeyHex: string, at: number): boolean {
    const t = this.lookup(agentKeyHex)?.supersededAt;
    return t !== undefined && t <= at;
  }

  // ---------------------------------------------------------------- T1

  /**
   * T1: `sig` over `toBeSigned` by `author`, whose binding is cached and valid at `at` (the object's
   * own timestamp, so history stays verifiable) and, for entries, covers `topic`. `sigValid` answers the
   * signature check itself when it was computed ahead for exactly these bytes (a received batch's
   * BatchSignatures, identity/batch-signatures.ts); without it the crypto port verifies here.
   */
  checkSigned(
    author: Uint8Array,
    toBeSigned: Uint8Array,
    sig: Uint8Array,
    at: number,
    topic?: string,
    sigValid?: () => boolean,
  ): Check {
    const hex = toHex(author);
    const k = this.lookup(hex);
    if (!k) return no('unknown_author', 'no verified binding for author');
    const b = k.binding;
    if (at < b.notBefore || at >= b.notAfter) return no('binding_expired', 'signed outside the binding window');
    if (k.supersededAt !== undefined && at >= k.supersededAt)
      return no('binding_expired', 'signed after the key was rotated out');
    if (this.isRevoked(hex, at)) return no('revoked', 'signed after the key was revoked');
    if (topic !== undefined && b.scope.length > 0 && !b.scope.includes(topic))
      return no('out_of_scope', `topic ${topic} not in binding scope`);
    this.counters.T1++;
    const valid = sigValid ? sigValid() : this.crypto.verifier.verify(author, toBeSigned, sig);
    if (!valid) return no('bad_signature', 'signature does not verify');
    return OK;
  }

  // ---------------------------------------------------------------- T3

  /** T3 for an agent whose binding passed T2; cached on success. */
  attest(agentKeyHex: string, ev: AttestationEvidence, trust: AttestationTrust, now: number): Check {
    const b = this.lookup(agentKeyHex)?.binding;
    if (!b) return no('unknown_author', 'T3 needs a T2-verified binding first');
    this.counters.T3++;
    const r = checkAttestation(this.crypto, b, ev, trust, now);
    if (r.ok) this.attested.add(agentKeyHex);
    return r;
  }

  /** Highest tier this node has verified the agent to (0 = nothing known). */
  tierOf(agentKeyHex: string, now: number): number {
    if (now > this.clock) this.clock = now;
    if (this.t4.isQuarantined(agentKeyHex) || this.isRevoked(agentKeyHex, now) || this.isRetired(agentKeyHex, now))
      return 0;
    const b = this.lookup(agentKeyHex)?.binding;
    if (!b || now < b.notBefore || now >= b.notAfter) return 0;
    return this.attested.has(agentKeyHex) ? 3 : 2;
  }

  // ---------------------------------------------------------------- T4 (identity/fraud-intake.ts)

  /** Verifies a fork proof; on success the author is quarantined and the proof queued for trust. */
  intakeForkProof(a: Uint8Array, b: Uint8Array): ReturnType<FraudIntake['fork']> {
    this.counters.T4++;
    return this.t4.fork(a, b);
  }

  /** A dispute proof published against `author` (hex, from the channel key): FraudIntake.dispute. */
  intakeDisputeProof(bytes: Uint8Array, author?: string): ReturnType<FraudIntake['dispute']> {
    this.counters.T4++;
    return this.t4.dispute(bytes, author);
  }

  /** A bad-delivery proof published against `worker` (hex, from the channel key): FraudIntake.badDelivery. */
  intakeBadDeliveryProof(bytes: Uint8Array, worker?: string): ReturnType<FraudIntake['badDelivery']> {
    this.counters.T4++;
    return this.t4.badDelivery(bytes, worker);
  }

  isQuarantined(agentKeyHex: string): boolean {
    return this.t4.isQuarantined(agentKeyHex);
  }

  /** Verified fraud proofs for trust (slashing), each once. */
  pollFraud(): FraudProof | undefined {
    return this.t4.poll();
  }
}
