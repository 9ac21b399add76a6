// The kernel's cache of decoded public keys (assembly/ed25519/keycache.ts) is invisible in results: a key
// seen before gives the same verdicts as a fresh decode, keys that fail decoding or are of small order are
// never stored, and evictions (more keys than slots, colliding sets) fall back to decoding. Both builds.
import { describe, expect, it } from 'vitest';
import { findEd25519Wasm, instantiateEd25519 } from '../../src/runtime/wasm/ed25519.js';
import type { Ed25519Exports } from '../../src/runtime/wasm/ed25519-abi.js';
import { prng, ruleOracle, signWith, signerFromSeed } from './helpers.js';

function single(k: Ed25519Exports, pub: Uint8Array, msg: Uint8Array, sig: Uint8Array): boolean {
  const mem = new Uint8Array(k.memory.buffer);
  mem.set(pub, k.pubsPtr());
  mem.set(sig, k.sigsPtr());
  mem.set(msg, k.arenaPtr());
  return k.verify(msg.length) === 1;
}

function batch(k: Ed25519Exports, items: { pub: Uint8Array; msg: Uint8Array; sig: Uint8Array }[]): boolean[] {
  const mem = new Uint8Array(k.memory.buffer);
  const lens = new DataView(k.memory.buffer, k.lensPtr(), 4 * items.length);
  let off = k.arenaPtr();
  items.forEach((it, i) => {
    mem.set(it.pub, k.pubsPtr() + 32 * i);
    mem.set(it.sig, k.sigsPtr() + 64 * i);
    mem.set(it.msg, off);
    off += it.msg.length;
    lens.setUint32(4 * i, it.msg.length, true);
  });
  mem.set(prng(items.length)(16 * items.length), k.randPtr());
  expect(k.verifyBatch(items.length)).toBeGreaterThanOrEqual(0);
  return Array.from(mem.subarray(k.resultsPtr(), k.resultsPtr() + items.length), (b) => b === 1);
}

// The identity (y = 1) is of small order; y = 2 has no square root (x^2 = 3/(4d + 1) is a non-square mod p).
const IDENTITY = new Uint8Array(32).fill(0).map((_, i) => (i === 0 ? 1 : 0));
const NO_ROOT = new Uint8Array(32).fill(0).map((_, i) => (i === 0 ? 2 : 0));

describe.each(['scalar', 'simd'] as const)('decoded-key cache (%s kernel)', (kernel) => {
  const k = instantiateEd25519(findEd25519Wasm(kernel));
  const rnd = prng(kernel === 'scalar' ? 11 : 12);

  it('a repeated key hits the cache and gives the same verdicts as a cold decode', () => {
    k.keyCacheClear();
    const s = signerFromSeed(rnd(32));
    const msg = rnd(100);
    const sig = signWith(s, msg);
    const forged = sig.slice();
    forged[40]! ^= 4;
    expect(single(k, s.pub, msg, sig)).toBe(true);
    expect([k.keyCacheHits(), k.keyCacheMisses()]).toEqual([0, 1]);
    expect(single(k, s.pub, msg, sig)).toBe(true);
    expect(single(k, s.pub, msg, forged)).toBe(false);
    expect(single(k, s.pub, rnd(100), sig)).toBe(false);
    expect(
      batch(k, [
        { pub: s.pub, msg, sig },
        { pub: s.pub, msg, sig: forged },
      ]),
    ).toEqual([true, false]);
    expect([k.keyCacheHits(), k.keyCacheMisses()]).toEqual([5, 1]);
    // A key one bit away from the cached one is decoded afresh and its signatures checked against it.
    const near = s.pub.slice();
    near[5]! ^= 1;
    expect(single(k, near, msg, sig)).toBe(ruleOracle(near, msg, sig));
    expect(k.keyCacheMisses()).toBe(2);
  });

  it('keys rejected by decoding or as small order are never stored', () => {
    k.keyCacheClear();
    const sig = new Uint8Array(64);
    for (let i = 0; i < 3; i++) {
      expect(single(k, IDENTITY, new Uint8Array(0), sig)).toBe(false);
      expect(single(k, NO_ROOT, new Uint8Array(0), sig)).toBe(false);
    }
    expect([k.keyCacheHits(), k.keyCacheMisses()]).toEqual([0, 6]);
  });

  it('a set holding more keys than its ways evicts the least recent; every verdict matches the rule oracle', () => {
    k.keyCacheClear();
    // The kernel's set index (keycache.ts decodeNegA): 10 bits of a multiplicative hash of three words.
    const setOf = (p: Uint8Array): number => {
      const v = new DataView(p.buffer, p.byteOffset, 32);
      const x = (v.getUint32(0, true) ^ v.getUint32(13, true) ^ v.getUint32(26, true)) >>> 0;
      return Number((BigInt(x) * 0x9e3779b1n) & 0xffffffffn) >>> 22;
    };
    const bySet = new Map<number, ReturnType<typeof signerFromSeed>[]>();
    let same: ReturnType<typeof signerFromSeed>[] = [];
    while (same.length < 6) {
      const s = signerFromSeed(rnd(32));
      const l = [...(bySet.get(setOf(s.pub)) ?? []), s];
      bySet.set(setOf(s.pub), l);
      if (l.length > same.length) same = l;
    }
    const items = same.flatMap((s) =>
      [0, 1].map((bad) => {
        const msg = rnd(40);
        const sig = signWith(s, msg);
        if (bad) sig[33]! ^= 1;
        return { pub: s.pub, msg, sig };
      }),
    );
    const want = items.map((it) => ruleOracle(it.pub, it.msg, it.sig));
    expect(want.filter(Boolean).length).toBe(6);
    // Six keys cycling through four ways: every lookup misses, and the verdicts stay the rule's.
    for (let pass = 0; pass < 2; pass++) {
      for (let i = 0; i < items.length; i += 2)
        expect(single(k, items[i]!.pub, items[i]!.msg, items[i]!.sig)).toBe(want[i]);
      expect(batch(k, items)).toEqual(want);
    }
    expect(k.keyCacheHits()).toBe(2 * 6);
    expect(k.keyCacheMisses()).toBe(2 * 6 + 2 * 6);
    // The last four keys of the batch are the set's four ways; the first two were evicted.
    const before = k.keyCacheMisses();
    for (let i = 4; i < 12; i++) expect(single(k, items[i]!.pub, items[i]!.msg, items[i]!.sig)).toBe(want[i]);
    expect(k.keyCacheMisses()).toBe(before);
    expect(single(k, items[0]!.pub, items[0]!.msg, items[0]!.sig)).toBe(want[0]);
    expect(k.keyCacheMisses()).toBe(before + 1);
  });
});
