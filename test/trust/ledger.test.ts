// The stateful owner: receipts → trust, live gate, slashing paths, credibility of vouchers (docs/architecture.md §7).
import { describe, expect, it } from 'vitest';
import { TrustModel } from '../../src/core/trust/model.js';
import { MG_FEATURES, EIGENTRUST_FEATURES } from '../../src/core/trust/params.js';
import { powerIterate } from '../../src/core/trust/eigentrust.js';
import type { TopicSpec } from '../../src/core/trust/types.js';

const topics: TopicSpec[] = [
  { name: 'a', tags: ['x.a'] },
  { name: 'b', tags: ['x.b'] },
];

function ledger(n: number, features = MG_FEATURES): TrustModel {
  const l = new TrustModel(topics, 16, features);
  for (let i = 0; i < n; i++) l.addNode(10, true);
  return l;
}

describe('TrustModel', () => {
  it('well-rated workers gain trust; trust sums to 1 per topic', () => {
    const l = ledger(5);
    let id = 0;
    for (let i = 0; i < 4; i++)
      l.handleReceipt({ taskId: `t${id++}`, topic: 'a', requester: i, worker: 4, outcome: 950, ts: 0 });
    l.recompute(0, powerIterate);
    const ts = [0, 1, 2, 3, 4].map((j) => l.trust('a', j));
    expect(ts.reduce((x, y) => x + y, 0)).toBeCloseTo(1, 12);
    expect(ts[4]).toBeGreaterThan(0.5);
    expect(l.trust('b', 4)).toBeCloseTo(l.trust('b', 0), 12); // topic b saw nothing
  });

  it('selection weighs reputation by certainty: unconfirmed trust counts prior/(prior + half), confirmed nearly all', () => {
    const l = ledger(6);
    let id = 0;
    for (let i = 0; i < 4; i++)
      l.handleReceipt({ taskId: `t${id++}`, topic: 'a', requester: i, worker: 4, outcome: 1000, ts: 0 });
    l.recompute(0, powerIterate);
    l.recompute(1, powerIterate); // the raters' standing (from the first epoch) now weighs their praise
    expect(l.selectionScore('a', 5)).toBeCloseTo(0.2 * l.reputation('a', 5), 15); // nobody vouched for 5 in a
    const c4 = l.selectionScore('a', 4) / l.reputation('a', 4);
    expect(c4).toBeGreaterThan(0.5);
    expect(c4).toBeLessThan(1);
    const plain = ledger(6, EIGENTRUST_FEATURES);
    plain.recompute(0, powerIterate);
    expect(plain.selectionScore('a', 5)).toBe(plain.reputation('a', 5)); // no gate, no certainty
  });

  it('slashing burns a fraction, freezes the rest, gates every topic, zeroes reputation, flags', () => {
    const l = ledger(4);
    l.recompute(0, powerIterate);
    l.handleFraudProof({ culprit: 2, topic: 'a', kind: 'bad-delivery', ts: 0 });
    expect(l.stakeOf(2)).toEqual({ unfrozen: 0, frozen: 5, burnt: 5 });
    expect(l.gate('a', 2)).toBe(0);
    expect(l.gate('b', 2)).toBe(0);
    expect(l.reputation('b', 2)).toBe(0);
    expect(l.flagged(2)).toBe(true);
    l.recompute(1, powerIterate);
    expect(l.trust('a', 2)).toBe(0); // no pretrust, and nobody's ratings reach a slashed node
    expect(l.flagged(0)).toBe(false);
    // without slashing the proof is ignored
    const off = ledger(4, { ...MG_FEATURES, slash: false });
    off.handleFraudProof({ culprit: 2, topic: 'a', kind: 'bad-delivery', ts: 0 });
    expect(off.stakeOf(2)).toEqual({ unfrozen: 10, frozen: 0, burnt: 0 });
    expect(off.isSlashed(2)).toBe(false);
  });

  it('praising a node that is then proven costs the voucher credibility in that topic only, at once', () => {
    const l = ledger(4);
    l.handleReceipt({ taskId: 'x', topic: 'a', requester: 1, worker: 3, outcome: 1000, ts: 0 });
    l.handleReceipt({ taskId: 'y', topic: 'b', requester: 1, worker: 3, outcome: 1000, ts: 0 });
    l.recompute(0, powerIterate);
    l.handleFraudProof({ culprit: 3, topic: 'a', kind: 'bad-delivery', ts: 0 });
    expect(l.gate('a', 1)).toBeCloseTo(1 / 3, 12); // credibility 1/(1 + 2·1)
    expect(l.gate('b', 1)).toBe(1);
    expect(l.flagged(1)).toBe(true);
    l.recompute(1, powerIterate);
    expect(l.gate('a', 1)).toBeLessThan(0.5); // the recompute keeps it: V is recomputed from the votes
  });

  it('the live gate closes on complaints from verified raters and the node is flagged', () => {
    const l = ledger(6);
    l.recompute(0, powerIterate);
    expect(l.gate('a', 5)).toBe(1);
    l.handleReceipt({ taskId: 'c1', topic: 'a', requester: 0, worker: 5, outcome: 100, ts: 1 });
    expect(l.gate('a', 5)).toBe(0); // x = 0.8/(0.8 + 0.25) ≥ x1
    expect(l.flagged(5)).toBe(true);
    // one mild complaint among praise does not close it
    l.handleReceipt({ taskId: 'p1', topic: 'a', requester: 1, worker: 4, outcome: 900, ts: 1 });
    l.handleReceipt({ taskId: 'p2', topic: 'a', requester: 2, worker: 4, outcome: 900, ts: 1 });
    l.handleReceipt({ taskId: 'c2', topic: 'a', requester: 3, worker: 4, outcome: 400, ts: 1 });
    expect(l.gate('a', 4)).toBe(1);
  });

  it('plain EigenTrust ignores proofs and gates, uses uniform pretrust, exchanges full vectors', () => {
    const l = ledger(4, EIGENTRUST_FEATURES);
    l.handleReceipt({ taskId: 'c', topic: 'a', requester: 0, worker: 1, outcome: 0, ts: 0 });
    l.handleFraudProof({ culprit: 1, topic: 'a', kind: 'bad-delivery', ts: 0 });
    expect(l.recompute(0, powerIterate)).toBe(8); // 2 topics × 4 non-zero entries
    expect(l.gate('a', 1)).toBe(1);
    expect(l.trust('b', 0)).toBeCloseTo(0.25, 12);
  });

  it('misuse throws and names the argument', () => {
    const l = ledger(2);
    expect(() => l.handleReceipt({ taskId: 'z', topic: 'nope', requester: 0, worker: 1, outcome: 10, ts: 0 })).toThrow(
      /topic/,
    );
    expect(() => l.handleReceipt({ taskId: 'z', topic: 'a', requester: 0, worker: 7, outcome: 10, ts: 0 })).toThrow(
      /node/,
    );
    expect(() => new TrustModel(topics, 0)).toThrow(/capacity/);
  });
});
