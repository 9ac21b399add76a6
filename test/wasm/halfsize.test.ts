// The single check multiplies the cofactored equation by c1 with c0 = c1 k (mod L) and both of about 127
// bits (assembly/ed25519/halfsize.ts, verify.ts checkDecoded). A hash never yields chosen k, but
// verifyDigest takes the digest from the host, so here k is chosen: the edges of the reduction (k = 0,
// k below and around 2^127 where no Euclid step runs, k near L) and random k, each with a signature built
// for that k, a wrong S, and a mixed-order A (accepted: the torsion part vanishes under [8]). Both builds.
import { describe, expect, it } from 'vitest';
import { findEd25519Wasm, instantiateEd25519 } from '../../src/runtime/wasm/ed25519.js';
import { L, bigToLe, ed, leToBig, prng } from './helpers.js';

// A point of order 8 (docs/verification.md §3 uses the same torsion for its crafted cases).
const T8 = ed.Point.fromHex('c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a');

describe.each(['scalar', 'simd'] as const)('half-size scalars in the single check (%s kernel)', (kernel) => {
  const k = instantiateEd25519(findEd25519Wasm(kernel));
  const mem = new Uint8Array(k.memory.buffer);
  const rnd = prng(kernel === 'scalar' ? 31 : 32);
  const check = (pub: Uint8Array, r: Uint8Array, s: bigint, kk: bigint): boolean => {
    mem.set(pub, k.pubsPtr());
    mem.set(r, k.sigsPtr());
    mem.set(bigToLe(s), k.sigsPtr() + 32);
    mem.set(bigToLe(kk, 64), k.digestPtr());
    return k.verifyDigest() === 1;
  };
  const ks = [0n, 1n, 2n, 2n ** 126n, 2n ** 127n - 1n, 2n ** 127n, 2n ** 127n + 1n, 2n ** 252n, L - 1n, L - 2n ** 127n];
  for (let i = 0; i < 24; i++) ks.push(leToBig(rnd(32)) % L);

  it('accepts exactly the signatures that satisfy the equation for every chosen k', () => {
    for (const kk of ks) {
      const a = (leToBig(rnd(32)) % (L - 1n)) + 1n,
        r = (leToBig(rnd(32)) % (L - 1n)) + 1n;
      const A = ed.Point.BASE.multiply(a),
        R = ed.Point.BASE.multiply(r);
      const s = (r + kk * a) % L;
      const pub = A.toBytes(),
        rb = R.toBytes();
      expect(check(pub, rb, s, kk), `k = ${kk}`).toBe(true);
      expect(check(pub, rb, (s + 1n) % L, kk), `k = ${kk}, S + 1`).toBe(false);
      expect(check(pub, rb, s, (kk + 1n) % L), `k + 1 = ${kk + 1n}`).toBe((kk * a) % L === ((kk + 1n) * a) % L);
      // Mixed-order A = [a]B + T8 and mixed-order R: same verdict as with the torsion-free points.
      expect(check(A.add(T8).toBytes(), R.add(T8.double()).toBytes(), s, kk), `k = ${kk}, torsion`).toBe(true);
    }
  });

  it('k reduced from a 64-byte digest: k and k + L give the same verdict', () => {
    for (const kk of ks.slice(0, 8)) {
      const a = (leToBig(rnd(32)) % (L - 1n)) + 1n,
        r = (leToBig(rnd(32)) % (L - 1n)) + 1n;
      const s = (r + kk * a) % L;
      const pub = ed.Point.BASE.multiply(a).toBytes(),
        rb = ed.Point.BASE.multiply(r).toBytes();
      expect(check(pub, rb, s, kk + L)).toBe(true);
      expect(check(pub, rb, s, kk + 5n * L)).toBe(true);
    }
  });
});
