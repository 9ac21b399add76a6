// NodeCore: one node's protocol, sans-I/O (docs/conventions.md §2, docs/architecture.md §9). It owns the AgentCore
// (logs, gossip, identity, discovery) and the flood gate (gossip/gate.ts), and is the one place a received batch
// goes through, in this order:
//
//   handleMessages(now, batch)
//     1. order        by channel priority (priority.ts: fork proofs and revocations first)
//     2. decode       each message once into a parsed record (codec/parsed.ts); oversized ones are not read
//     3. verify       the entry signatures of authors with a known binding, in one verifyBatch call of the crypto
//                     port (identity/batch-signatures.ts); the answers are kept by entry object for this batch only
//     4. gate         per-peer budgets on the parsed form and those answers; a refused message is `rate_limited`
//     5. receive      AgentCore.handleParsed with the parsed message and the answers (receiver.ts)
//
// Outputs are AgentCore's, polled here: pollTransmit / pollEvent / pollTimeout, handleTimeout at the deadline.
// The runtime's Driver (runtime/driver.ts) and the simulator only move bytes, time and store transactions.

import type { AgentCore } from '../agent.js';
import { toHex } from '../bytes.js';
import { entriesOf, parseMessage, type ParsedMessage } from '../codec/parsed.js';
import { DEFAULT_FLOOD_LIMITS, FloodGate, type FloodLimits } from '../gossip/gate.js';
import { BatchSignatures } from '../identity/batch-signatures.js';
import type { SigVerifier } from '../ports.js';
import { byPriority } from '../priority.js';
import type { Conduct } from '../trust/conduct.js';
import type { Channel, CoreEvent, Outgoing } from '../types.js';

/** One message as a transport delivered it. */
export interface Received {
  readonly channel: Channel;
  readonly key: string;
  readonly bytes: Uint8Array;
}

export interface NodeCoreOptions {
  readonly agent: AgentCore;
  /** The crypto port's verifier: the batch's entry signatures go through its `verifyBatch`. */
  readonly verifier: SigVerifier;
  /** Per-peer flood budgets (default DEFAULT_FLOOD_LIMITS); `false` runs without the gate (a baseline). */
  readonly flood?: FloodLimits | false;
  /** This node's conduct record of authors, fed by the gate (trust/conduct.ts). */
  readonly conduct?: Conduct;
}

export class NodeCore {
  readonly agent: AgentCore;
  /** The flood gate, unless turned off. */
  readonly gate: FloodGate | undefined;
  private readonly verifier: SigVerifier;
  /** Signature batches verified for received messages, and the signatures in them (status). */
  readonly sigs = { batches: 0, verified: 0 };

  constructor(o: NodeCoreOptions) {
    this.agent = o.agent;
    this.verifier = o.verifier;
    const a = o.agent;
    this.gate =
      o.flood === false
        ? undefined
        : new FloodGate(
            {
              knows: (hex) => a.verifier.bindingOf(hex) !== undefined,
              logHead: (author, topic) => a.logHead(author, topic),
              requestRefusal: (now, d) => a.requestRefusal(now, d),
            },
            o.flood ?? DEFAULT_FLOOD_LIMITS,
            o.conduct,
          );
  }

  start(now: number): void {
    this.agent.start(now);
  }

  // ------------------------------------------------------------------ inputs

  /** A batch of received messages (the header's order of steps). A peer's bad message never throws. */
  handleMessages(now: number, batch: readonly Received[]): void {
    const limits = this.agent.limits;
    const parsed = byPriority(batch).map((m) => parseMessage(m.channel, m.key, m.bytes, limits));
    const sigs = this.verifyBatch(parsed);
    const admitted = this.gate ? parsed.filter((p) => this.admit(now, p, sigs)) : parsed;
    for (const p of admitted) this.agent.handleParsed(now, p, sigs);
  }

  /** One received message: a batch of one. */
  handleMessage(now: number, channel: Channel, key: string, bytes: Uint8Array): void {
    this.handleMessages(now, [{ channel, key, bytes }]);
  }

  handleTimeout(now: number): void {
    this.agent.handleTimeout(now);
  }

  /** A task's body (an artefact, a specification) this node stores: retained on the body channel until `expires`. */
  publishBody(now: number, hash: Uint8Array, bytes: Uint8Array, expires: number): void {
    this.agent.publishRetained('body', toHex(hash), bytes, Math.max(1000, expires - now));
  }

  /**
   * A dispute proof this node's task engine built (a double award it received, task/dispute.ts): checked by this
   * node's own receive path first (trust slashes on the `dispute` event), then retained on the fraud channel.
   */
  reportDispute(now: number, key: string, proof: Uint8Array): void {
    this.handleMessage(now, 'fraud', key, proof);
    this.agent.publishRetained('fraud', key, proof);
  }

  // ------------------------------------------------------------------ outputs

  pollTransmit(): Outgoing | undefined {
    return this.agent.pollTransmit();
  }

  pollEvent(): CoreEvent | undefined {
    return this.agent.pollEvent();
  }

  pollTimeout(): number | undefined {
    return this.agent.pollTimeout();
  }

  /** Drops the output since the last poll (the store transaction that covered it rolled back). */
  discardOutput(): void {
    this.agent.discardOutput();
  }

  /** Topics followed now (the driver re-reads their retained frontiers after a store failure). */
  followedTopics(): string[] {
    return this.agent.followedTopics();
  }

  // ------------------------------------------------------------------ steps

  /** Step 3: the entries of authors whose binding is held, verified in one batch call. */
  private verifyBatch(parsed: readonly ParsedMessage[]): BatchSignatures {
    const sigs = new BatchSignatures(this.verifier);
    const known = parsed
      .flatMap(entriesOf)
      .filter((se) => this.agent.verifier.bindingOf(toHex(se.entry.author)) !== undefined);
    const n = sigs.verifyAll(known);
    if (n > 0) {
      this.sigs.batches++;
      this.sigs.verified += n;
    }
    return sigs;
  }

  /** Step 4: true to admit; a refusal is counted and emitted by the agent core as `rate_limited`. */
  private admit(now: number, p: ParsedMessage, sigs: BatchSignatures): boolean {
    const who = this.gate!.admit(now, p, sigs);
    if (who === undefined) return true;
    this.agent.refuseRateLimited(p.channel, who);
    return false;
  }
}
