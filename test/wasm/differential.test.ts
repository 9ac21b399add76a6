// Differential test: wasm single vs wasm batch vs node:crypto on 10,000 honest signatures and
// 10,000 one-bit mutations, for both builds of the kernel (scalar and SIMD) in the same pass over the
// same corpus. For honest keys (no torsion) every verifier implements the same decision, so any
// disagreement is a bug. noble runs on the same corpus in differential-noble*. The SIMD kernel's batch
// path takes every 4th mutated item (a batch of bad signatures bisects down to single checks, the
// costliest case, and the single path already covers all 10,000 of them), which keeps this file's time
// within about 1.5x of the scalar-only pass.
import { describe, expect, it } from 'vitest';
import { corpus, node, wasm, wasmSimd, type SigItem } from './helpers.js';

const N = 10_000;
const { valid, mutated } = corpus(20260601, N);

/** Every path's disagreements with node:crypto; the SIMD batch runs on items j with j % simdBatchStride == 0. */
function compare(items: readonly SigItem[], simdBatchStride = 1) {
  const ref = items.map((i) => node.verify(i.pub, i.msg, i.sig));
  const strided = items.filter((_, j) => j % simdBatchStride === 0);
  const simdBatch = wasmSimd.verifyBatch(strided);
  const paths = {
    single: items.map((i) => wasm.verify(i.pub, i.msg, i.sig)),
    batch: wasm.verifyBatch(items),
    simdSingle: items.map((i) => wasmSimd.verify(i.pub, i.msg, i.sig)),
    simdBatch: items.map((_, j) => (j % simdBatchStride === 0 ? simdBatch[j / simdBatchStride]! : ref[j]!)),
  };
  const bad = Object.entries(paths).flatMap(([path, out]) =>
    items.flatMap((_, j) => (out[j] !== ref[j] ? [`${path} ${j}`] : [])),
  );
  return { ref, bad, simdBatched: strided.length };
}

describe('differential: wasm single / batch (scalar and SIMD kernels) vs node:crypto', () => {
  it(`${N} valid signatures: all accepted by every path`, () => {
    const r = compare(valid);
    expect(r.bad).toEqual([]);
    expect(r.ref.every(Boolean)).toBe(true);
  });

  it(`${N} one-bit mutations: identical decisions on every path`, () => {
    const r = compare(mutated, 4);
    expect(r.bad).toEqual([]);
    expect(r.simdBatched).toBe(N / 4);
    // A flipped pub bit can still verify only if the flip is the sign of x = 0 (not for honest keys).
    expect(r.ref.filter(Boolean).length).toBe(0);
  });

  it('shuffled mixes of valid and mutated in one batch call (chunked by the loader), both kernels', () => {
    const mix: { item: SigItem; ok: boolean }[] = [];
    for (let i = 0; i < 3000; i++)
      mix.push(i % 5 === 0 ? { item: mutated[i]!, ok: false } : { item: valid[i]!, ok: true });
    expect(wasm.verifyBatch(mix.map((m) => m.item))).toEqual(mix.map((m) => m.ok));
    expect(wasmSimd.verifyBatch(mix.map((m) => m.item))).toEqual(mix.map((m) => m.ok));
  });
});
