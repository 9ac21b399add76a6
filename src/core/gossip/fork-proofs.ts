// Fork proofs at priority (docs/architecture.md §4): two entries one author signed at the same
// (topic, epoch, seq). A proof verifies with the author's key alone (identity/fraud.ts), so any node can
// act on it without trusting the sender; acting on it quarantines the author in EVERY topic (T4,
// IdentityTiers) and queues it for trust (pollFraud).
//
//   we hold two conflicting entries --> verify, quarantine, schedule publication after a hold-off
//   a proof arrives (channel fraud) --> seen? drop. verify; wrong author key or no fork: bad_fork_proof;
//                                       else quarantine; a publication of ours not yet sent is cancelled
//   hold-off passed                 --> publish (retained, fraud/{author}); again in the next
//                                       `repeats` heartbeat rounds (loss), then done; a repeat is
//                                       skipped, and the rest with it, once we heard the proof twice
//                                       since our last publication (below)
//
// Hold-off: every follower of the forked topic sees both entries at about the same time; publishing at
// once would make each of them send the proof to every node. Each detector waits a hold-off drawn
// deterministically from SHA-256(own key ‖ author) in [0, heartbeat) and stays silent when another
// detector's proof arrives first (Trickle-style suppression), so one or a few detectors publish.
// Repeats are for nodes that lost the first delivery (1% loss: ~10 of 1,000). When two or more
// detectors published, every node was sent two or more independent copies already, and a repeat by
// each of them multiplied the fraud channel's bytes (docs/simulator.md: 4 publishers x 3 publications).
// So before each repeat a publisher counts the copies it received since its last publication: our own
// echo from the broker is one, a second means another publisher's copy went out after ours, and we stop
// repeating (Trickle's redundancy constant k = 2). A lone publisher hears only its echo and repeats.
// Proofs are forwarded by the transports (broker fan-out; the UDP mesh pushes them epidemically with
// its seen-cache; a bridge forwards them once) and the core handles each distinct proof once.

import { toHex, utf8 } from '../base/bytes.js';
import { decodeEntry } from '../codec/entry.js';
import { decodeForkProof, encodeForkProof } from '../codec/fork-proof.js';
import type { RejectReason } from '../base/errors.js';
import type { IdentityTiers } from '../identity/tiers.js';
import type { ForkProof } from '../identity/fraud.js';
import type { CryptoPort } from '../base/ports.js';
import type { Limits } from '../codec/limits.js';

/** Copies heard since our last publication that make a repeat redundant (Trickle's k; our echo counts). */
const REDUNDANCY = 2;

interface Pending {
  readonly bytes: Uint8Array;
  at: number;
  left: number;
  sent: boolean;
  /** Copies of the proof received since our last publication of it (our broker echo included). */
  heard: number;
}

export type ProofResult =
  | { readonly ok: false; readonly reason: RejectReason; readonly detail: string }
  | { readonly ok: true; readonly proof: ForkProof; readonly fresh: boolean };

export class ForkProofs {
  published = 0;
  suppressed = 0;
  /** Repeats not sent because the proof was heard REDUNDANCY times since our last publication. */
  repeatsSkipped = 0;
  private readonly pending = new Map<string, Pending>();
  private readonly seen = new Set<string>();

  constructor(
    private readonly c: CryptoPort,
    private readonly limits: Limits,
    private readonly verifier: IdentityTiers,
    private readonly self: Uint8Array,
    private readonly heartbeatMs: number | undefined,
    private readonly repeats: number,
    private readonly seenMax = 1024,
  ) {}

  get size(): number {
    return this.pending.size;
  }

  /** Two entries at one log position that we hold (the stored one and a verified newcomer). */
  detect(now: number, a: Uint8Array, b: Uint8Array): ProofResult {
    const bytes = encodeForkProof(a, b);
    const r = this.intake(bytes, a, b);
    if (!r.ok || !r.fresh) return r;
    this.pending.set(r.proof.author, {
      bytes,
      at: now + this.holdoff(r.proof.author),
      left: 1 + this.repeats,
      sent: false,
      heard: 0,
    });
    return r;
  }

  /** A proof from the network (channel `fraud`, key = author hex). DecodeError propagates (malformed). */
  receive(key: string, bytes: Uint8Array): ProofResult | undefined {
    const h = toHex(this.c.sha256(bytes));
    if (this.seen.has(h)) {
      // Our own echo, a repeat or a second copy: handled once. A detector that built the very same
      // proof (the pair is canonical) and has not sent it yet learns here that another was first.
      const p = this.pending.get(key);
      if (p?.sent) p.heard++;
      this.suppress(key);
      return undefined;
    }
    const [a, b] = decodeForkProof(bytes, this.limits);
    const claimed = toHex(decodeEntry(a, this.limits).entry.author);
    if (claimed !== key)
      return {
        ok: false,
        reason: 'bad_fork_proof',
        detail: `proof against ${claimed.slice(0, 12)} sent as one against ${key.slice(0, 12)}`,
      };
    const r = this.intake(bytes, a, b, h);
    if (r.ok) this.suppress(key);
    return r;
  }

  /** Another detector's proof arrived: ours, if not sent yet, is cancelled. */
  private suppress(author: string): void {
    const p = this.pending.get(author);
    if (p && !p.sent) {
      this.pending.delete(author);
      this.suppressed++;
    }
  }

  /** Proofs to publish now (first publication after the hold-off, then one per heartbeat round). */
  due(now: number): Array<{ author: string; bytes: Uint8Array }> {
    const out: Array<{ author: string; bytes: Uint8Array }> = [];
    for (const [author, p] of this.pending) {
      if (p.at > now) continue;
      if (p.sent && p.heard >= REDUNDANCY) {
        this.pending.delete(author); // others' copies are out: every node was sent two or more already
        this.repeatsSkipped++;
        continue;
      }
      p.heard = 0;
      out.push({ author, bytes: p.bytes });
      if (!p.sent) this.published++;
      p.sent = true;
      if (--p.left <= 0 || !this.heartbeatMs) this.pending.delete(author);
      else p.at = now + this.heartbeatMs;
    }
    return out;
  }

  nextDeadline(): number | undefined {
    let d: number | undefined;
    for (const p of this.pending.values()) if (d === undefined || p.at < d) d = p.at;
    return d;
  }

  private intake(bytes: Uint8Array, a: Uint8Array, b: Uint8Array, h = toHex(this.c.sha256(bytes))): ProofResult {
    const r = this.verifier.intakeForkProof(a, b);
    if (!r.ok) return { ok: false, reason: 'bad_fork_proof', detail: r.detail };
    if (!r.proof) throw new Error('intakeForkProof: ok without a proof'); // unreachable: narrows the type
    this.remember(h);
    return { ok: true, proof: r.proof!, fresh: r.fresh === true };
  }

  private remember(h: string): void {
    this.seen.add(h);
    if (this.seen.size > this.seenMax) this.seen.delete(this.seen.values().next().value!);
  }

  private holdoff(author: string): number {
    if (!this.heartbeatMs) return 0;
    const d = this.c.sha256(utf8(`${toHex(this.self)}/${author}`));
    return (((d[0]! << 24) | (d[1]! << 16) | (d[2]! << 8) | d[3]!) >>> 0) % this.heartbeatMs;
  }
}
