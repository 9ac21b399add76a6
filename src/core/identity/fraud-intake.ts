// T4 of the tiered verification (tiers.ts, docs/architecture.md §6): fraud proofs as they arrive on the fraud
// channel. A verified fork proof (fraud.ts) quarantines its author and is queued for trust (slashing) once per
// author; a verified dispute proof (dispute.ts: a requester's double award) is queued once per (requester, task) and
// a bad-delivery proof (bad-delivery.ts: an artefact that fails its task's acceptance check) once per (worker,
// task), both without quarantine: the logs are intact. Trust polls the queue (`poll`).

import type { Limits } from '../codec/limits.js';
import type { RejectReason } from '../base/errors.js';
import type { CryptoPort } from '../base/ports.js';
import { checkBadDeliveryProof } from './bad-delivery.js';
import { checkDisputeProof } from './dispute.js';
import {
  checkForkProof,
  type BadDeliveryProof,
  type DoubleAwardProof,
  type ForkProof,
  type FraudProof,
} from './fraud.js';

type Verdict<P> =
  | { readonly ok: true; readonly proof: P; readonly fresh: boolean }
  | { readonly ok: false; readonly reason: RejectReason; readonly detail: string };
const no = (reason: RejectReason, detail: string) => ({ ok: false as const, reason, detail });

export class FraudIntake {
  private readonly quarantined = new Set<string>();
  private readonly queue: FraudProof[] = [];
  /**
   * `${requester}/${task}` of dispute proofs and `${worker}/${task}/delivery` of bad-delivery proofs already queued
   * (oldest forgotten beyond `keep`).
   */
  private readonly queued = new Set<string>();

  constructor(
    private readonly crypto: CryptoPort,
    private readonly limits: Limits,
    private readonly keep: number,
  ) {}

  /** Verifies a fork proof; on success the author is quarantined and the proof queued for trust. */
  fork(a: Uint8Array, b: Uint8Array): Verdict<ForkProof> {
    const r = checkForkProof(this.crypto, this.limits, a, b);
    if (!r.ok) return no('malformed', `fork proof: ${r.detail}`);
    const fresh = !this.quarantined.has(r.proof.author);
    if (fresh) {
      this.quarantined.add(r.proof.author);
      this.queue.push(r.proof);
    }
    return { ok: true, proof: r.proof, fresh };
  }

  /**
   * Verifies a dispute proof published against `author` (hex, from the channel key); a fresh one is queued for
   * trust. bad_dispute_proof when it proves nothing or names another author.
   */
  dispute(bytes: Uint8Array, author?: string): Verdict<DoubleAwardProof> {
    const r = checkDisputeProof(this.crypto, this.limits, bytes);
    if (!r.ok) return no('bad_dispute_proof', `dispute proof: ${r.detail}`);
    if (author !== undefined && author !== r.proof.author)
      return no(
        'bad_dispute_proof',
        `proof against ${r.proof.author.slice(0, 12)} sent as one against ${author.slice(0, 12)}`,
      );
    return { ok: true, proof: r.proof, fresh: this.queueOnce(`${r.proof.author}/${r.proof.task}`, r.proof) };
  }

  /**
   * Verifies a bad-delivery proof published against `worker` (hex, from the channel key); a fresh one (per worker
   * and task) is queued for trust. bad_delivery_proof when it proves nothing or names another worker.
   */
  badDelivery(bytes: Uint8Array, worker?: string): Verdict<BadDeliveryProof> {
    const r = checkBadDeliveryProof(this.crypto, this.limits, bytes);
    if (!r.ok) return no('bad_delivery_proof', `bad-delivery proof: ${r.detail}`);
    if (worker !== undefined && worker !== r.proof.author)
      return no(
        'bad_delivery_proof',
        `proof against ${r.proof.author.slice(0, 12)} sent as one against ${worker.slice(0, 12)}`,
      );
    return {
      ok: true,
      proof: r.proof,
      fresh: this.queueOnce(`${r.proof.author}/${r.proof.task}/delivery`, r.proof),
    };
  }

  isQuarantined(agentKeyHex: string): boolean {
    return this.quarantined.has(agentKeyHex);
  }

  /** The next verified proof for trust (slashing), each once. */
  poll(): FraudProof | undefined {
    return this.queue.shift();
  }

  /** Queues a task-protocol proof unless `key` was queued (the oldest keys forgotten beyond `keep`). */
  private queueOnce(key: string, proof: FraudProof): boolean {
    if (this.queued.has(key)) return false;
    this.queued.add(key);
    if (this.queued.size > this.keep) this.queued.delete(this.queued.values().next().value!);
    this.queue.push(proof);
    return true;
  }
}
