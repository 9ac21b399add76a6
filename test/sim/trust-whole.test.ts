// The MG-EigenTrust experiment on whole simulated nodes (src/sim/trust/whole.ts, docs/trust.md "Whole nodes"), at
// a reduced size: real tasks between NodeCores, co-signed receipts in the topic logs, each node's own trust view.
// MG must keep the attack below flattened and per-topic EigenTrust, as in the global-ledger experiment.

import { describe, expect, it } from 'vitest';
import { powerIterate } from '../../src/core/trust/eigentrust.js';
import { makeCryptoPort } from '../../src/runtime/crypto-port.js';
import { defaultVerifier } from '../../src/runtime/verifier.js';
import type { Method } from '../../src/sim/trust/run.js';
import { runWhole, spearman, type WholeMetrics } from '../../src/sim/trust/whole.js';
import { defaultScenario, PAPER_TOPICS } from '../../src/sim/trust/world.js';

const crypto = makeCryptoPort(defaultVerifier());
/** 20 nodes (4 attackers, 1 spy), 8 epochs of which 2 of warm-up, 6 queries per topic per epoch. */
const SC = defaultScenario({ nodes: 20, attackers: 4, spies: 1, epochs: 8, warmup: 2, queriesPerTopic: 6 });
const SEEDS = [1];

describe('spearman', () => {
  it('is 1 for the same order, -1 for the reverse, and averages ties', () => {
    expect(spearman([1, 2, 3, 4], [10, 20, 30, 40])).toBeCloseTo(1, 12);
    expect(spearman([1, 2, 3, 4], [4, 3, 2, 1])).toBeCloseTo(-1, 12);
    expect(spearman([1, 1, 2, 3], [5, 5, 6, 7])).toBeCloseTo(1, 12);
    expect(spearman([1, 1, 1], [1, 2, 3])).toBeNaN();
  });
});

describe('whole-node trust experiment (reduced)', () => {
  it('MG keeps the attack below flattened and per-topic EigenTrust, on real tasks and per-node views', () => {
    const runs = new Map<Method, WholeMetrics[]>();
    for (const method of ['flat', 'perTopic', 'mg'] as const)
      runs.set(
        method,
        SEEDS.map((seed) => runWhole(SC, PAPER_TOPICS, method, seed, powerIterate, crypto)),
      );
    const success = (m: Method) => {
      const rs = runs.get(m)!;
      return rs.reduce((a, r) => a + r.hits, 0) / rs.reduce((a, r) => a + r.queries, 0);
    };
    for (const rs of runs.values())
      for (const r of rs) {
        // Real protocol: tasks were posted and most settled with a co-signed receipt; signatures were verified.
        expect(r.tasks).toBeGreaterThan(SC.epochs * SC.queriesPerTopic * PAPER_TOPICS.length * 0.9);
        expect(r.settled).toBeGreaterThan(r.tasks / 2);
        expect(r.verified).toBeGreaterThan(0);
        expect(r.queries).toBeGreaterThan(0);
        // Every node verified every initial identity to T3 (the registry's evidence, checked by its IdentityTiers).
        expect(r.attested).toBeGreaterThanOrEqual(SC.nodes * SC.nodes);
      }
    // MG's nodes published reputation deltas and their peers received them.
    for (const r of runs.get('mg')!) {
      expect(r.entriesSentPerNodeEpoch).toBeGreaterThan(0);
      expect(r.entriesReceivedPerNodeEpoch).toBeGreaterThan(0);
    }
    // Malicious deliveries that failed their task's acceptance check were proven on the fraud channel by the
    // requesters' nodes and verified by every other node (each proof by at least half of the network).
    for (const rs of runs.values())
      for (const r of rs) {
        expect(r.proofsPublished).toBeGreaterThan(0);
        expect(r.proofsVerified).toBeGreaterThan((r.proofsPublished * SC.nodes) / 2);
      }
    // MG slashes on them: most attackers that delivered harm are flagged by most honest nodes.
    for (const r of runs.get('mg')!) expect(r.harmfulFlagged).toBeGreaterThan(r.harmful / 2);
    expect(success('mg')).toBeLessThan(success('flat'));
    expect(success('mg')).toBeLessThan(success('perTopic'));
  }, 300_000);
});
