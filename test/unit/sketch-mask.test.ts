// sketchMask + sketchCovers (a tag's bits hashed once, then tested against many sketches) answer exactly
// what sketchHas answers, which hashes the tag at every call (docs/conventions.md §9: the plain function
// is the oracle).

import { describe, expect, it } from 'vitest';
import { makeSketch, sketchCovers, sketchHas, sketchMask } from '../../src/core/gossip/sketch.js';
import { makeCryptoPort, nobleStrictVerifier } from '../../src/runtime/crypto-port.js';

const c = makeCryptoPort(nobleStrictVerifier);

describe('sketch masks', () => {
  it('agree with sketchHas over random tag sets and probes', () => {
    let seed = 7;
    const rnd = (n: number) => ((seed = (seed * 1103515245 + 12345) % 2 ** 31), seed % n);
    const tag = () =>
      ['code', 'review', 'receipt', 'x', 'sec', 'a.b', 'c.d.e'][rnd(7)]! + (rnd(3) ? '' : `.${rnd(50)}`);
    let agreed = 0;
    let positives = 0;
    for (let i = 0; i < 300; i++) {
      const sketch = makeSketch(c, Array.from({ length: 1 + rnd(20) }, tag));
      const probe = tag();
      const want = sketchHas(c, sketch, probe);
      expect(sketchCovers(sketch, sketchMask(c, probe))).toBe(want);
      agreed++;
      if (want) positives++;
    }
    expect(agreed).toBe(300);
    expect(positives).toBeGreaterThan(20); // both answers were exercised
    expect(positives).toBeLessThan(300);
  });
});
