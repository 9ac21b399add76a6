// The fraud channel's desk (docs/architecture.md §4, §6 T4): fork proofs the core builds or receives (fork-proofs.ts)
// double-award dispute proofs (identity/dispute.ts, key `{requester}.award`) and bad-delivery proofs
// (identity/bad-delivery.ts, key `{worker}.delivery`). A fresh verified fork proof quarantines its author (event
// `fork`) and is published at priority; a fresh verified dispute proof is event `dispute` (trust slashes the
// requester), a bad-delivery proof event `bad_delivery` (trust slashes the worker). Bad proofs are RejectReasons.

import type { RejectReason } from '../base/errors.js';
import type { IdentityTiers } from '../identity/tiers.js';
import { DISPUTE_KEY_SUFFIX, isDisputeKey } from '../identity/dispute.js';
import { BAD_DELIVERY_KEY_SUFFIX, isBadDeliveryKey } from '../identity/bad-delivery.js';
import type { Channel, CoreEvent, Outgoing } from '../types.js';
import type { ForkProofs, ProofResult } from './fork-proofs.js';

export interface FraudDeskContext {
  readonly forks: ForkProofs;
  readonly verifier: IdentityTiers;
  emit(o: Outgoing): void;
  event(e: CoreEvent): void;
  reject(reason: RejectReason, channel: Channel, detail: string): void;
}

export class FraudDesk {
  constructor(private readonly x: FraudDeskContext) {}

  /** A message on the fraud channel. */
  receive(now: number, key: string, bytes: Uint8Array): void {
    if (isDisputeKey(key)) return this.onDispute(key, bytes);
    if (isBadDeliveryKey(key)) return this.onBadDelivery(key, bytes);
    this.onForkResult(now, this.x.forks.receive(key, bytes), 'fraud');
  }

  /** Two entries at one log position seen on `channel`: the proof is built and handled like a received one. */
  detected(now: number, existing: Uint8Array, incoming: Uint8Array, channel: Channel): void {
    this.onForkResult(now, this.x.forks.detect(now, existing, incoming), channel);
  }

  /** Proofs whose hold-off or repeat round is due go out (retained, per author). */
  publishDue(now: number): void {
    for (const p of this.x.forks.due(now))
      this.x.emit({ op: 'publish', channel: 'fraud', key: p.author, bytes: p.bytes, retain: true });
  }

  private onForkResult(now: number, r: ProofResult | undefined, channel: Channel): void {
    if (!r) return;
    if (!r.ok) return this.x.reject(r.reason, channel, r.detail);
    const p = r.proof;
    if (r.fresh) this.x.event({ type: 'fork', author: p.author, topic: p.topic, epoch: p.epoch, seq: p.seq });
    this.publishDue(now); // without a heartbeat there is no hold-off: a detector publishes at once
  }

  private onBadDelivery(key: string, bytes: Uint8Array): void {
    const r = this.x.verifier.intakeBadDeliveryProof(bytes, key.slice(0, -BAD_DELIVERY_KEY_SUFFIX.length));
    if (!r.ok) return this.x.reject(r.reason, 'fraud', r.detail);
    const p = r.proof!;
    if (r.fresh)
      this.x.event({ type: 'bad_delivery', author: p.author, topic: p.topic, task: p.task, failure: p.failure });
  }

  private onDispute(key: string, bytes: Uint8Array): void {
    const r = this.x.verifier.intakeDisputeProof(bytes, key.slice(0, -DISPUTE_KEY_SUFFIX.length));
    if (!r.ok) return this.x.reject(r.reason, 'fraud', r.detail);
    if (r.fresh) this.x.event({ type: 'dispute', author: r.proof!.author, topic: r.proof!.topic, task: r.proof!.task });
  }
}
