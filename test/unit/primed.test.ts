// PrimedVerifier: answers computed ahead in batches are the inner verifier's answers, are used once by
// verify and verifyBatch, and a batch mixing primed and unprimed items keeps its order.

import { describe, expect, it } from 'vitest';
import type { SigItem, SigVerifier } from '../../src/core/base/ports.js';
import { PrimedVerifier } from '../../src/runtime/verifier.js';

/** Accepts exactly the items whose first signature byte is even; counts what it was asked. */
function inner() {
  const asked: number[] = [];
  const v: SigVerifier = {
    name: 'fake',
    verify: (_p, _m, sig) => {
      asked.push(1);
      return sig[0]! % 2 === 0;
    },
    verifyBatch: (items) => {
      asked.push(items.length);
      return items.map((i) => i.sig[0]! % 2 === 0);
    },
  };
  return { v, asked };
}
const item = (n: number): SigItem => ({
  pub: new Uint8Array(32).fill(n),
  msg: new Uint8Array([n]),
  sig: new Uint8Array(64).fill(n),
});

describe('PrimedVerifier', () => {
  it('answers a batch from primed results, asks the inner verifier only for the rest, in order', () => {
    const f = inner();
    const p = new PrimedVerifier(f.v, 4);
    p.prime([item(1), item(2), item(3), item(4), item(5), item(6)], true); // beyond capacity: all kept
    expect(f.asked).toEqual([6]);
    expect(p.verifyBatch([item(2), item(7), item(3), item(8)])).toEqual([true, false, false, true]);
    expect(f.asked).toEqual([6, 2]); // only 7 and 8
    expect(p.verify(item(6).pub, item(6).msg, item(6).sig)).toBe(true);
    expect(p.hits).toBe(3);
    expect(p.verifyBatch([item(2)])).toEqual([true]); // used once: asked again
    expect(f.asked).toEqual([6, 2, 1]);
  });

  it('without keepAll drops the oldest answers beyond the capacity; clear forgets the rest', () => {
    const f = inner();
    const p = new PrimedVerifier(f.v, 2);
    p.prime([item(1), item(2), item(3)]);
    p.verifyBatch([item(1), item(2), item(3)]);
    expect(f.asked).toEqual([3, 1]); // item 1 was dropped
    p.prime([item(4)]);
    p.clear();
    p.verifyBatch([item(4)]);
    expect(f.asked).toEqual([3, 1, 1, 1]);
  });
});
