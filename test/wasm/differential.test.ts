// Differential test: wasm single vs wasm batch vs node:crypto on 10,000 honest signatures and
// 10,000 one-bit mutations. For honest keys (no torsion) every verifier implements the same
// decision, so any disagreement is a bug. noble runs on the same corpus in differential-noble.
import { describe, expect, it } from 'vitest';
import { corpus, node, wasm, type SigItem } from './helpers.js';

const N = 10_000;
const { valid, mutated } = corpus(20260601, N);

function compare(items: readonly SigItem[]) {
  const single = items.map((i) => wasm.verify(i.pub, i.msg, i.sig));
  const batch = wasm.verifyBatch(items);
  const ref = items.map((i) => node.verify(i.pub, i.msg, i.sig));
  const bad = items.flatMap((_, j) => (single[j] !== ref[j] || batch[j] !== ref[j] ? [j] : []));
  return { single, batch, ref, bad };
}

describe('differential: wasm single / batch vs node:crypto', () => {
  it(`${N} valid signatures: all accepted by every path`, () => {
    const r = compare(valid);
    expect(r.bad).toEqual([]);
    expect(r.ref.every(Boolean)).toBe(true);
  });

  it(`${N} one-bit mutations: identical decisions on every path`, () => {
    const r = compare(mutated);
    expect(r.bad).toEqual([]);
    // A flipped pub bit can still verify only if the flip is the sign of x = 0 (not for honest keys).
    expect(r.ref.filter(Boolean).length).toBe(0);
  });

  it('shuffled mixes of valid and mutated in one batch call (chunked by the loader)', () => {
    const mix: { item: SigItem; ok: boolean }[] = [];
    for (let i = 0; i < 3000; i++)
      mix.push(i % 5 === 0 ? { item: mutated[i]!, ok: false } : { item: valid[i]!, ok: true });
    expect(wasm.verifyBatch(mix.map((m) => m.item))).toEqual(mix.map((m) => m.ok));
  });
});
