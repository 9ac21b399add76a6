// Pure trust maths against hand-computed small cases (docs/architecture.md §7; Kamvar et al. 2003).
import { describe, expect, it } from 'vitest';
import { accumulate, normalise, pairValue, receiptValue } from '../../src/core/trust/local.js';
import {
  bridge,
  certainty,
  consistency,
  credibility,
  gates,
  pretrust,
  stakeScore,
} from '../../src/core/trust/pretrust.js';
import { expandTags, topicSimilarity } from '../../src/core/trust/similarity.js';
import { exchangeDelta, exchangeFull } from '../../src/core/trust/exchange.js';
import { selectArgmax, selectProportional } from '../../src/core/trust/select.js';
import { powerIterate } from '../../src/core/trust/eigentrust.js';
import { PAPER_TOPICS } from '../../src/sim/trust/world.js';

const G = { kappa: 0.25, x0: 0.3, x1: 0.5, vouchPenalty: 2 };

describe('local trust and normalisation', () => {
  it('sat − unsat per receipt, recency-weighted accumulation', () => {
    expect(receiptValue(750)).toBe(0.5);
    expect(receiptValue(0)).toBe(-1);
    expect(() => receiptValue(1001)).toThrow(/outcome/);
    const a = accumulate(undefined, 0.5, 0, 0.5);
    const b = accumulate(a, 1, 2, 0.5); // 0.5·0.5² + 1
    expect(b).toEqual({ v: 1.125, ts: 2 });
    expect(pairValue(b, 3, 0.5)).toBe(0.5625);
    expect(accumulate(b, 1, 1, 0.5)).toEqual({ v: 1.625, ts: 2 }); // an older receipt is decayed to the pair's epoch
  });

  it('c_ij = max(s_ij,0)/Σ, negative and self ratings dropped, empty row dangling, voice and dropped columns', () => {
    const rows = [
      new Map([
        [1, 2],
        [2, -1],
        [3, 1],
        [0, 5],
      ]),
      new Map([[0, -1]]),
      undefined,
      new Map([[0, 1]]),
    ];
    const c = normalise(4, rows);
    expect(Array.from(c.rowPtr)).toEqual([0, 2, 2, 2, 3]);
    expect(Array.from(c.colIdx)).toEqual([1, 3, 0]);
    expect(Array.from(c.vals)).toEqual([2 / 3, 1 / 3, 1]);
    const v = normalise(4, rows, Float64Array.from([0.5, 1, 1, 0]), (j) => j === 3);
    expect(Array.from(v.colIdx)).toEqual([1]);
    expect(Array.from(v.vals)).toEqual([0.5]);
  });

  it('reference iteration: dangling row mass goes to p (two nodes by hand)', () => {
    // node 0 rates 1; node 1 dangling. Fixed point: t1 = 0.85·(t0 + t1·p1) + 0.15·p1, p = (0.5, 0.5)
    const out = powerIterate({
      n: 2,
      alpha: 0.15,
      epsilon: 1e-15,
      maxIter: 1000,
      topics: [
        {
          c: { rowPtr: Int32Array.from([0, 1, 1]), colIdx: Int32Array.from([1]), vals: Float64Array.from([1]) },
          p: Float64Array.from([0.5, 0.5]),
        },
      ],
    });
    const [t0, t1] = out.t[0]!;
    // t0 = 0.85·0.5·t1 + 0.075, t0 + t1 = 1 ⇒ t0 = (0.425 + 0.075)/(1.425)
    expect(t0).toBeCloseTo(0.5 / 1.425, 12);
    expect(t1).toBeCloseTo(1 - 0.5 / 1.425, 12);
  });
});

describe('pretrust, bridge, similarity', () => {
  it('σ is capped concave', () => {
    expect(stakeScore(5, 20)).toBe(0.5);
    expect(stakeScore(80, 20)).toBe(1);
    expect(stakeScore(0, 20)).toBe(0);
    expect(stakeScore(10, 20) - stakeScore(5, 20)).toBeGreaterThan(stakeScore(15, 20) - stakeScore(10, 20));
  });

  it('W from tag sets: related topics import, unrelated import nothing', () => {
    expect([...expandTags(['a.b.c'])]).toEqual(['a', 'a.b', 'a.b.c']);
    const W = topicSimilarity(PAPER_TOPICS, 0.2);
    expect(W[0]![1]).toBe(3 / 8); // code_generation – code_review_security share software, software.code, software.code.typescript
    expect(W[1]![0]).toBe(3 / 8);
    expect(W[0]![3]).toBe(3 / 9); // code_generation – data_analysis share the python path
    expect(W[0]![2]).toBe(0); // devops shares only `software`: 1/9 < 0.2
    for (let k = 0; k < 5; k++) {
      expect(W[4]![k]).toBe(0);
      expect(W[k]![4]).toBe(0);
      expect(W[k]![k]).toBe(0);
    }
  });

  it('B and p by hand', () => {
    const W = [
      [0, 0.5],
      [0.5, 0],
    ];
    const prev = [Float64Array.from([0.5, 0.25, 0.25]), Float64Array.from([0.2, 0.2, 0.6])];
    const B = bridge(1, W, prev, 3, 1);
    expect(Array.from(B)).toEqual([0.75, 0.375, 0.375]);
    const p = pretrust(
      Float64Array.from([1, 1, 0]),
      Float64Array.from([0.5, 1, 1]),
      B,
      Uint8Array.from([1, 0, 1]),
      Uint8Array.from([1, 1, 1]),
      { stake: 0.1, bridge: 0.5, tier: 0.4 },
    );
    const raw = [0.05 + 0.375 + 0.4, 0.1 + 0.1875, 0];
    const sum = raw[0]! + raw[1]!;
    expect(p[0]).toBeCloseTo(raw[0]! / sum, 15);
    expect(p[1]).toBeCloseTo(raw[1]! / sum, 15);
    expect(p[2]).toBe(0);
    // every weight zero -> uniform over active nodes
    expect(
      Array.from(
        pretrust(
          new Float64Array(3),
          new Float64Array(3),
          new Float64Array(3),
          new Uint8Array(3),
          Uint8Array.from([1, 0, 1]),
          { stake: 1, bridge: 1, tier: 1 },
        ),
      ),
    ).toEqual([0.5, 0, 0.5]);
  });

  it('gate: consistency thresholds and credibility by hand', () => {
    expect(consistency(1, 0, G)).toBe(1);
    expect(consistency(0, 0.7, G)).toBe(0); // x = 0.7/0.95
    expect(consistency(1, 0.5, G)).toBe(1); // x = 0.5/1.75 < 0.3
    expect(consistency(0.5, 0.5, G)).toBeCloseTo(0.5, 12); // x = 0.4
    expect(credibility(1, G)).toBeCloseTo(1 / 3, 15);
    // praise weighted by ω, complaints by the complaint weight; slashed is 0
    const votes = [new Map([[2, 1]]), new Map([[2, -0.5]]), undefined];
    const g = gates(
      3,
      votes,
      Float64Array.from([0.5, 0, 0]),
      Float64Array.from([1, 1, 1]),
      Float64Array.from([1, 1, 1]),
      new Uint8Array(3),
      G,
    );
    expect(g[2]).toBeCloseTo(0.5, 12); // P = 0.5, N = 0.5
    expect(
      gates(
        3,
        votes,
        Float64Array.from([0.5, 0, 0]),
        Float64Array.from([1, 1, 1]),
        Float64Array.from([1, 1, 0.5]),
        Uint8Array.from([0, 0, 1]),
        G,
      )[2],
    ).toBe(0);
    const P = new Float64Array(3);
    gates(
      3,
      votes,
      Float64Array.from([0.5, 0, 0]),
      Float64Array.from([1, 1, 1]),
      Float64Array.from([1, 1, 1]),
      new Uint8Array(3),
      G,
      P,
    );
    expect(Array.from(P)).toEqual([0, 0, 0.5]); // the weighted praise, for selection certainty
  });

  it('certainty: (P + prior)/(P + prior + half), 1 when off, negative praise counts as none', () => {
    const C = { prior: 0.25, half: 1 };
    expect(certainty(0, C)).toBeCloseTo(0.2, 15);
    expect(certainty(0.75, C)).toBeCloseTo(0.5, 15);
    expect(certainty(3.75, C)).toBeCloseTo(0.8, 15);
    expect(certainty(-2, C)).toBeCloseTo(0.2, 15);
    expect(certainty(0, { prior: 0.25, half: 0 })).toBe(1);
  });
});

describe('exchange and selection', () => {
  it('delta/top-k sends only moved entries, at most k per call', () => {
    const view = new Float64Array(4);
    const t = Float64Array.from([0.4, 0.3, 0.2, 0.1]);
    expect(exchangeDelta(view, t, 4, { deltaRel: 0.25, topK: 2 })).toBe(2);
    expect(Array.from(view)).toEqual([0.4, 0.3, 0, 0]);
    expect(exchangeDelta(view, t, 4, { deltaRel: 0.25, topK: 2 })).toBe(2);
    expect(exchangeDelta(view, t, 4, { deltaRel: 0.25, topK: 2 })).toBe(0);
    t[0] = 0.45; // moved by 0.05 < 0.25·0.4: not re-sent
    expect(exchangeDelta(view, t, 4, { deltaRel: 0.25, topK: 2 })).toBe(0);
    expect(exchangeFull(view, Float64Array.from([0, 1, 0, 2]))).toBe(2);
  });

  it('proportional selection with exploration restricted to explorable candidates', () => {
    expect(selectProportional([0, 1, 3], 0, 0.9, 0.2)).toBe(1);
    expect(selectProportional([0, 1, 3], 0, 0.9, 0.5)).toBe(2);
    expect(selectProportional([0, 1, 3], 0.1, 0.05, 0.1)).toBe(0); // explore: uniform
    expect(selectProportional([0, 1, 3], 0.1, 0.05, 0.1, [false, false, true])).toBe(2);
    expect(selectProportional([0, 0], 0, 0.9, 0.6)).toBe(1); // all zero: uniform
    expect(selectArgmax([1, 3, 3])).toBe(1);
    expect(() => selectProportional([], 0, 0, 0)).toThrow(/scores/);
  });
});
