// The node's side of MG-EigenTrust (docs/architecture.md §7): NodeTrust (src/core/trust/node-trust.ts) driven by the node.
// - AgentCore watches the `receipt` tag in every followed topic; its `declared` events feed NodeTrust.
// - Signers of held receipts get their bindings fetched (AgentCore.requestBinding).
// - Every profile.trustRecomputeMs: verified fraud proofs (IdentityTiers.pollFraud) slash, the topics and their
//   tags are refreshed from what this node follows and declares, and trust is recomputed in one call of the WASM
//   kernel (build/eigentrust.wasm), or of the TypeScript reference when the kernel cannot load (the reason is in
//   status). Fraud proofs are also drained after every batch of core events, so slashing does not wait.
// - discover() results are re-ranked by semantic match × topic trust × this node's conduct factor of the author
//   (core/trust/conduct.ts, fed by the flood gate; shown in GET /trust and status, never published).
// - The co-signed receipts of this node's own tasks (as requester or as worker) come from its task engine
//   (ownReceipt), at settlement and for the tasks kept in the store at start: a party does not wait for, and
//   need not follow, the log that publishes them. Counted once with the published copy.
// - After each recompute the delta/top-k entries are published per topic with receipts (core/trust/gossip.ts) and
//   peers' published deltas are received through a watch on the `reputation` tag.

import type { AgentCore } from '../core/agent.js';
import { fromHex } from '../core/base/bytes.js';
import { decodeReceipt } from '../core/codec/receipt.js';
import { DecodeError } from '../core/base/errors.js';
import { powerIterate } from '../core/trust/eigentrust.js';
import { REPUTATION_TAG, reputationBody } from '../core/trust/gossip.js';
import { NodeTrust, type RankedCandidate, type TrustEntry } from '../core/trust/node-trust.js';
import type { Conduct } from '../core/trust/conduct.js';
import type { PowerIterate, TopicSpec } from '../core/trust/types.js';
import type { Candidate, CoreEvent } from '../core/types.js';
import type { Driver } from './driver.js';
import type { Logger } from './logger.js';
import { loadEigenTrust } from './wasm/eigentrust.js';

export const RECEIPT_TAG = 'receipt';

export interface TrustRuntime {
  readonly trust: NodeTrust;
  readonly kernel: 'wasm' | 'ts';
  /** Called with every core event (the node's onEvent); returns rejections NodeTrust produced, for the API stream. */
  onEvent(e: CoreEvent): CoreEvent[];
  /** A co-signed receipt of a task this node was a party to (hex, from its task engine); returns rejections. */
  ownReceipt(hex: string): CoreEvent[];
  /** One recompute now (the timer calls it every trustRecomputeMs). */
  recompute(): number;
  rank(cands: readonly Candidate[], minTrust?: number): RankedCandidate[];
  view(topic?: string): {
    kernel: 'wasm' | 'ts';
    kernelFallback: string | null;
    status: ReturnType<NodeTrust['status']>;
    topic?: string;
    entries?: TrustEntry[];
  };
  close(): void;
}

function kernelOrReference(): { iterate: PowerIterate; kernel: 'wasm' | 'ts'; reason: string | null } {
  try {
    return { iterate: loadEigenTrust(), kernel: 'wasm', reason: null };
  } catch (e) {
    return { iterate: powerIterate, kernel: 'ts', reason: e instanceof Error ? e.message : String(e) };
  }
}

/** Topics this node follows, tagged with the tags of its own declarations there (W compares them). */
function topicsOf(core: AgentCore, now: number): TopicSpec[] {
  const tags = new Map<string, Set<string>>();
  for (const t of core.status().followed) tags.set(t, new Set());
  for (const d of core.declarations(now)) {
    if (d.kind !== 'capability' && d.kind !== 'intent') continue;
    const s = tags.get(d.topic) ?? new Set<string>();
    for (const t of d.tags) s.add(t);
    tags.set(d.topic, s);
  }
  return [...tags].map(([name, s]) => ({ name, tags: [...s].sort() }));
}

export function startTrust(o: {
  core: AgentCore;
  driver: Driver;
  recomputeMs: number;
  logger: Logger;
  clock?: () => number;
  conduct?: Conduct;
}): TrustRuntime {
  const { core, driver, logger } = o;
  const clock = o.clock ?? Date.now;
  const trust = new NodeTrust({
    verifier: core.verifier,
    recomputeMs: o.recomputeMs,
    ...(o.conduct ? { conduct: o.conduct } : {}),
  });
  const k = kernelOrReference();
  if (k.reason)
    logger.log('warn', 'trust: WASM kernel unavailable, using the TypeScript reference', { reason: k.reason });
  driver.call((now) => {
    core.watch(now, RECEIPT_TAG);
    core.watch(now, REPUTATION_TAG);
  });
  let asking = false;
  const askBindings = () => {
    asking = false;
    driver.call(() => {
      for (let a = trust.pollBindingRequest(); a; a = trust.pollBindingRequest()) core.requestBinding(a);
    });
  };
  const drain = (): CoreEvent[] => {
    const out: CoreEvent[] = [];
    for (let e = trust.pollEvent(); e; e = trust.pollEvent()) out.push(e);
    return out;
  };
  const recompute = (): number => {
    const now = clock();
    trust.pollFraudFrom(now, core.verifier);
    trust.setTopics(topicsOf(core, now));
    const sent = trust.recompute(now, k.iterate);
    // Reputation exchange as gossip: this epoch's deltas, one signed declaration per topic with receipts.
    for (let x = trust.pollPublish(); x; x = trust.pollPublish()) {
      const d = { ...reputationBody(x.topic, x.entries), topic: x.topic, ttlMs: Math.max(60_000, 10 * o.recomputeMs) };
      driver.call((t) => core.announce(t, d));
    }
    for (const e of drain()) logger.log('debug', 'trust rejected', { ...e });
    return sent;
  };
  const timer = setInterval(() => {
    try {
      recompute();
    } catch (e) {
      logger.log('error', 'trust recompute failed', { err: e instanceof Error ? e.message : String(e) });
    }
  }, o.recomputeMs);
  timer.unref();
  return {
    trust,
    kernel: k.kernel,
    onEvent(e) {
      const now = clock();
      if (e.type === 'declared' && e.body.tags.some((t) => t === RECEIPT_TAG || t.startsWith(`${RECEIPT_TAG}.`))) {
        trust.handleDeclared(now, e);
        if (!asking) {
          asking = true;
          setImmediate(askBindings); // outside the driver's event loop, so the subscriptions are flushed
        }
      }
      if (e.type === 'declared' && e.body.tags.includes(REPUTATION_TAG)) trust.handlePeerView(e);
      trust.pollFraudFrom(now, core.verifier);
      return drain();
    },
    ownReceipt(hex) {
      try {
        const sr = decodeReceipt(fromHex(hex));
        trust.handleSigned(clock(), sr, sr.receipt.topic);
      } catch (e) {
        if (!(e instanceof DecodeError)) throw e;
        logger.log('warn', 'own receipt does not decode', { err: e.message });
      }
      return drain();
    },
    recompute,
    rank: (c, minTrust) => trust.rank(c, minTrust, clock()),
    view(topic) {
      const now = clock();
      const base = { kernel: k.kernel, kernelFallback: k.reason, status: trust.status(now) };
      return topic === undefined ? base : { ...base, topic, entries: trust.view(topic, now) };
    },
    close: () => clearInterval(timer),
  };
}
