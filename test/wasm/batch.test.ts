// Batch path: exact per-item results under bisection, chunking, and single == batch (fast-check).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { loadEd25519Verifier } from '../../src/runtime/wasm/ed25519.js';
import { corpus, kernels, wasm, type SigItem } from './helpers.js';

const { valid, mutated } = corpus(4242, 600, 32);

describe('batch verification', () => {
  it('a batch of 64 with one bad signature at each position reports exactly that one', () => {
    const base = valid.slice(0, 64);
    for (let pos = 0; pos < 64; pos++) {
      const items = base.slice();
      // A bad signature that decodes fine (flip a message bit): only the equation catches it.
      const m = items[pos]!.msg.length ? items[pos]!.msg.slice() : new Uint8Array(1);
      m[0]! ^= 1;
      items[pos] = { ...items[pos]!, msg: m };
      const want = base.map((_, i) => i !== pos);
      expect(wasm.verifyBatch(items), `bad at ${pos}`).toEqual(want);
    }
  });

  it('random batches with several bad signatures (sizes 1..256) report exactly the bad ones', () => {
    let seed = 7;
    const next = (n: number) => {
      seed = (seed * 1103515245 + 12345) >>> 0;
      return seed % n;
    };
    for (let round = 0; round < 30; round++) {
      const n = 1 + next(256);
      const bad = 1 + next(Math.min(n, 9));
      const items: SigItem[] = [],
        want: boolean[] = [];
      for (let i = 0; i < n; i++) {
        items.push(valid[next(valid.length)]!);
        want.push(true);
      }
      for (let b = 0; b < bad; b++) {
        const p = next(n);
        items[p] = mutated[next(mutated.length)]!;
        want[p] = false;
      }
      expect(wasm.verifyBatch(items), `round ${round}`).toEqual(want);
    }
  });

  it('the loader splits batches larger than the kernel maximum and by message arena size', () => {
    const small = loadEd25519Verifier({ maxChunk: 5 });
    const items = [...valid.slice(0, 37), mutated[0]!, ...valid.slice(37, 50)];
    const want = items.map((_, i) => i !== 37);
    expect(small.verifyBatch(items)).toEqual(want);
    const big = new Uint8Array(100_000); // 3 x 100 KB > 256 KiB arena: forces a split by bytes
    const s0 = valid[0]!;
    const bigItems = [s0, { ...s0, msg: big }, { ...s0, msg: big }, { ...s0, msg: big }, s0];
    expect(wasm.verifyBatch(bigItems)).toEqual([true, false, false, false, true]);
  });

  it('never throws on malformed items: wrong lengths are false, neighbours unaffected', () => {
    const v = valid[1]!;
    const items: SigItem[] = [
      v,
      { ...v, pub: v.pub.subarray(0, 31) },
      { ...v, sig: new Uint8Array(63) },
      { ...v, sig: new Uint8Array(65) },
      v,
    ];
    expect(wasm.verifyBatch(items)).toEqual([true, false, false, false, true]);
    expect(wasm.verify(v.pub.subarray(1), v.msg, v.sig)).toBe(false);
    expect(wasm.verifyBatch([])).toEqual([]);
  });

  it('messages beyond the 256 KiB arena verify through the host-hashed path (single and batch)', () => {
    const v = valid[2]!;
    const huge = new Uint8Array(300_000).fill(7);
    expect(wasm.verify(v.pub, huge, v.sig)).toBe(false);
    expect(wasm.verifyBatch([v, { ...v, msg: huge }])).toEqual([true, false]);
  });

  for (const [kernel, v] of kernels)
    it(`property (${kernel} kernel): verifyBatch(items)[i] === verify(items[i]) for random mixes`, () => {
      const pool = [...valid.slice(0, 200), ...mutated.slice(0, 200)];
      fc.assert(
        fc.property(fc.array(fc.integer({ min: 0, max: pool.length - 1 }), { minLength: 0, maxLength: 80 }), (ix) => {
          const items = ix.map((i) => pool[i]!);
          const single = items.map((i) => v.verify(i.pub, i.msg, i.sig));
          expect(v.verifyBatch(items)).toEqual(single);
          expect(single).toEqual(ix.map((i) => i < 200));
        }),
        { numRuns: kernel === 'scalar' ? 60 : 30, seed: 424242 },
      );
    });
});
