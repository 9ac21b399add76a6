// The node core's MG-EigenTrust side (docs/architecture.md §7): NodeTrust (trust/node-trust.ts) fed by the
// agent core's events, recomputed at a deadline of the node core (no timer of its own), sans-I/O.
// - AgentCore watches the `receipt` tag in every followed topic; its `declared` events feed NodeTrust, and
//   peers' published deltas arrive through a watch on the `reputation` tag.
// - Signers of held receipts get their bindings fetched (AgentCore.requestBinding).
// - Every `recomputeMs` (profile trustRecomputeMs): verified fraud proofs (IdentityTiers.pollFraud) slash, the
//   topics and their tags are refreshed from what this node follows and declares, trust is recomputed in one call
//   of the injected power iteration (the WASM kernel, or the TypeScript reference), and the delta/top-k entries
//   are announced per topic with receipts (trust/gossip.ts). Fraud proofs are also drained after every event.
// - The co-signed receipts of this node's own tasks come from its task engine (`ownReceipt`): a party does not
//   wait for, and need not follow, the log that publishes them. Counted once with the published copy.
// Rejections come out as `rejected` events of the node core.

import type { AgentCore } from '../agent.js';
import { fromHex } from '../base/bytes.js';
import { decodeReceipt } from '../codec/receipt.js';
import { DecodeError, decodeReason } from '../base/errors.js';
import type { Conduct } from '../trust/conduct.js';
import { REPUTATION_TAG, reputationBody } from '../trust/gossip.js';
import { NodeTrust, type NodeTrustOptions } from '../trust/node-trust.js';
import type { PowerIterate, TopicSpec } from '../trust/types.js';
import type { CoreEvent } from '../types.js';

export const RECEIPT_TAG = 'receipt';

export interface TrustPartOptions {
  /** How often trust is recomputed and published, ms (profile trustRecomputeMs). */
  readonly recomputeMs: number;
  /** The power iteration: the WASM kernel, or the reference trust/eigentrust.ts powerIterate. */
  readonly iterate: PowerIterate;
  /**
   * NodeTrust's own options (features, flattening, required tier, exploration...); default the daemon's: MG-EigenTrust
   * per topic (trust/params.ts MG_FEATURES). An experiment compares other methods through it (docs/trust.md).
   */
  readonly node?: Omit<NodeTrustOptions, 'verifier' | 'recomputeMs' | 'conduct'>;
}

/** Topics this node follows, tagged with the tags of its own declarations there (W compares them). */
function topicsOf(agent: AgentCore, now: number): TopicSpec[] {
  const tags = new Map<string, Set<string>>();
  for (const t of agent.followedTopics()) tags.set(t, new Set());
  for (const d of agent.declarations(now)) {
    if (d.kind !== 'capability' && d.kind !== 'intent') continue;
    const s = tags.get(d.topic) ?? new Set<string>();
    for (const t of d.tags) s.add(t);
    tags.set(d.topic, s);
  }
  return [...tags].map(([name, s]) => ({ name, tags: [...s].sort() }));
}

export class TrustPart {
  readonly trust: NodeTrust;
  private next: number | undefined;

  constructor(
    private readonly agent: AgentCore,
    private readonly o: TrustPartOptions,
    conduct?: Conduct,
  ) {
    this.trust = new NodeTrust({
      ...o.node,
      verifier: agent.verifier,
      recomputeMs: o.recomputeMs,
      ...(conduct ? { conduct } : {}),
    });
  }

  start(now: number): void {
    this.agent.watch(now, RECEIPT_TAG);
    this.agent.watch(now, REPUTATION_TAG);
    this.next = now + this.o.recomputeMs;
  }

  nextDeadline(): number | undefined {
    return this.next;
  }

  /** Recomputes when its deadline has passed; returns the rejections it produced. */
  handleTimeout(now: number): CoreEvent[] {
    if (this.next === undefined || now < this.next) return [];
    this.next = now + this.o.recomputeMs; // first: a recompute that throws is not retried at every timeout
    this.recompute(now);
    return this.drain();
  }

  /** One recompute now; returns the entries published. */
  recompute(now: number): number {
    const { trust, agent } = this;
    trust.pollFraudFrom(now, agent.verifier);
    trust.setTopics(topicsOf(agent, now));
    const sent = trust.recompute(now, this.o.iterate);
    // Reputation exchange as gossip: this epoch's deltas, one signed declaration per topic with receipts.
    for (let x = trust.pollPublish(); x; x = trust.pollPublish()) {
      const ttlMs = Math.max(60_000, 10 * this.o.recomputeMs);
      agent.announce(now, { ...reputationBody(x.topic, x.entries), topic: x.topic, ttlMs });
    }
    return sent;
  }

  /** An event of the agent core; returns the rejections it produced. */
  onEvent(now: number, e: CoreEvent): CoreEvent[] {
    const { trust, agent } = this;
    if (e.type === 'declared' && e.body.tags.some((t) => t === RECEIPT_TAG || t.startsWith(`${RECEIPT_TAG}.`))) {
      trust.handleDeclared(now, e);
      for (let a = trust.pollBindingRequest(); a; a = trust.pollBindingRequest()) agent.requestBinding(a);
    }
    if (e.type === 'declared' && e.body.tags.includes(REPUTATION_TAG)) trust.handlePeerView(e);
    trust.pollFraudFrom(now, agent.verifier);
    return this.drain();
  }

  /** A co-signed receipt of a task this node was a party to (hex, from its task engine); returns rejections. */
  ownReceipt(now: number, hex: string): CoreEvent[] {
    try {
      const sr = decodeReceipt(fromHex(hex));
      this.trust.handleSigned(now, sr, sr.receipt.topic);
    } catch (e) {
      if (!(e instanceof DecodeError)) throw e;
      return [{ type: 'rejected', reason: decodeReason(e), channel: 'body', detail: `own receipt: ${e.message}` }];
    }
    return this.drain();
  }

  private drain(): CoreEvent[] {
    const out: CoreEvent[] = [];
    for (let e = this.trust.pollEvent(); e; e = this.trust.pollEvent()) out.push(e);
    return out;
  }
}
