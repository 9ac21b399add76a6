// Revocations at priority (docs/architecture.md §6; target: a revocation reaches 99% of online nodes within 5 s, docs/simulator.md),
// shaped like fork proofs (fork-proofs.ts). A revocation is the operator-signed record of
// codec/attest.ts; it verifies with the operator key it names (IdentityTiers.acceptRevocation: the
// operator and baid must match the binding we know; an unknown agent's revocation is kept and enforced
// when its binding arrives), so any node can act on it without trusting the sender.
//
//   published here (publish: the local API)  --> verify, keep, publish at once (retained,
//                                                 revocation/{agent}); again in the next `repeats`
//                                                 heartbeat rounds (loss), then done
//   arrives (channel revocation)              --> seen? drop (and cancel a re-publication not sent yet).
//                                                 verify; bad ones are RejectReasons; else keep it, and a
//                                                 fresh one is announced (event `revoked`)
//   republish (broker restart)                --> every enforced revocation again after a hold-off drawn from
//                                                 SHA-256(own key ‖ agent) in [0, heartbeat), unless a copy
//                                                 arrives first (Trickle-style suppression): one or a few
//                                                 nodes restore the broker's retained copy, not all
//
// Forwarding is the transports' job, as for fork proofs (broker fan-out; the UDP mesh pushes retained
// items epidemically with its seen-cache; a bridge forwards `revocation/+` once); the core handles each
// distinct revocation once. Kept in memory: the broker retains one per agent, so a restarted node learns
// them again from its `revocation/+` subscription at start.

import { toHex, utf8 } from '../base/bytes.js';
import { decodeRevocation } from '../codec/attest.js';
import type { RejectReason } from '../base/errors.js';
import type { IdentityTiers } from '../identity/tiers.js';
import type { CryptoPort } from '../base/ports.js';
import type { Channel, CoreEvent, Outgoing } from '../types.js';

interface Pending {
  readonly bytes: Uint8Array;
  at: number;
  left: number;
  /** A republication (cancelled when another node's copy arrives first); ours from the API is not. */
  readonly suppressible: boolean;
}

export type RevocationResult =
  | { readonly ok: false; readonly reason: RejectReason; readonly detail: string }
  | { readonly ok: true; readonly agent: string; readonly at: number; readonly fresh: boolean };

export interface RevocationsDeps {
  readonly crypto: CryptoPort;
  readonly verifier: IdentityTiers;
  readonly self: Uint8Array;
  readonly heartbeatMs: number | undefined;
  readonly repeats: number;
  readonly emit: (o: Outgoing) => void;
  readonly event: (e: CoreEvent) => void;
  readonly reject: (reason: RejectReason, channel: Channel, detail: string) => void;
  /** Bound of the seen-cache and of the kept revocations. */
  readonly max?: number;
}

export class Revocations {
  published = 0;
  suppressed = 0;
  /** Agent hex -> the revocation we keep for it (the earliest), for republication; `own`: from our API. */
  private readonly kept = new Map<string, { bytes: Uint8Array; at: number; own: boolean }>();
  private readonly pending = new Map<string, Pending>();
  private readonly seen = new Set<string>();
  private readonly max: number;

  constructor(private readonly d: RevocationsDeps) {
    this.max = d.max ?? 4096;
  }

  get size(): number {
    return this.kept.size;
  }

  start(): void {
    this.d.emit({ op: 'subscribe', channel: 'revocation', key: '+' }); // revocations of anyone, at priority
  }

  /** A revocation handed to this node to publish (local API). Invalid ones are refused, not sent. */
  publish(now: number, bytes: Uint8Array): RevocationResult {
    const r = this.intake(bytes, true);
    if (!r.ok) return r;
    this.pending.set(r.agent, { bytes, at: now, left: 1 + this.d.repeats, suppressible: false });
    this.flush(now);
    return r;
  }

  /** A revocation from the network (channel `revocation`, key = agent key hex). DecodeError propagates (malformed). */
  receive(key: string, bytes: Uint8Array): void {
    if (this.seen.has(toHex(this.d.crypto.sha256(bytes)))) return this.suppress(key);
    const agent = toHex(decodeRevocation(bytes).revocation.agentKey);
    if (agent !== key)
      return this.d.reject(
        'binding_invalid',
        'revocation',
        `revocation of ${agent.slice(0, 12)} sent as one of ${key.slice(0, 12)}`,
      );
    const r = this.intake(bytes);
    if (!r.ok) return this.d.reject(r.reason, 'revocation', r.detail);
    this.suppress(key);
  }

  /**
   * Broker restart: the revocations we enforce (or published ourselves) again, after a hold-off
   * (suppressed if another node is first). Kept ones for agents we never met are not: we cannot tell a
   * forger's from the operator's, and must not amplify the first.
   */
  republish(now: number): void {
    for (const [agent, k] of this.kept)
      if (!this.pending.has(agent) && (k.own || this.d.verifier.isRevoked(agent, Infinity)))
        this.pending.set(agent, { bytes: k.bytes, at: now + this.holdoff(agent), left: 1, suppressible: true });
    this.flush(now);
  }

  /** Publishes what is due (first publication, then one per heartbeat round). */
  flush(now: number): void {
    for (const [agent, p] of this.pending) {
      if (p.at > now) continue;
      this.d.emit({ op: 'publish', channel: 'revocation', key: agent, bytes: p.bytes, retain: true });
      this.published++;
      if (--p.left <= 0 || !this.d.heartbeatMs) this.pending.delete(agent);
      else p.at = now + this.d.heartbeatMs;
    }
  }

  nextDeadline(): number | undefined {
    let d: number | undefined;
    for (const p of this.pending.values()) if (d === undefined || p.at < d) d = p.at;
    return d;
  }

  private intake(bytes: Uint8Array, own = false): RevocationResult {
    const r = this.d.verifier.acceptRevocation(bytes);
    if (!r.ok) return { ok: false, reason: r.reason, detail: `revocation: ${r.detail}` };
    const agent = r.agent!;
    const at = r.at!;
    this.remember(toHex(this.d.crypto.sha256(bytes)));
    const k = this.kept.get(agent);
    if (!k || at < k.at) {
      this.kept.set(agent, { bytes, at, own: own || k?.own === true });
      if (this.kept.size > this.max) this.kept.delete(this.kept.keys().next().value!);
    } else if (own) k.own = true;
    if (r.fresh) this.d.event({ type: 'revoked', agent, at, known: this.d.verifier.bindingOf(agent) !== undefined });
    return { ok: true, agent, at, fresh: r.fresh === true };
  }

  /** Another node's copy arrived: our re-publication, if not sent yet, is cancelled. */
  private suppress(agent: string): void {
    const p = this.pending.get(agent);
    if (p?.suppressible) {
      this.pending.delete(agent);
      this.suppressed++;
    }
  }

  private remember(h: string): void {
    this.seen.add(h);
    if (this.seen.size > this.max) this.seen.delete(this.seen.values().next().value!);
  }

  private holdoff(agent: string): number {
    if (!this.d.heartbeatMs) return 0;
    const h = this.d.crypto.sha256(utf8(`${toHex(this.d.self)}/revocation/${agent}`));
    return (((h[0]! << 24) | (h[1]! << 16) | (h[2]! << 8) | h[3]!) >>> 0) % this.d.heartbeatMs;
  }
}
