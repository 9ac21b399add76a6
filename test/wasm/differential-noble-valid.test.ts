// Differential test vs @noble/ed25519 v3 ({ zip215: false }) on the same corpus as
// differential.test.ts; this file takes the valid half (the other is differential-noble-mutated.test.ts).
// noble is ~250 verifications/s here, so each half is its own file to run in parallel under ~35 s.
import { describe, expect, it } from 'vitest';
import { corpus, noble, wasm } from './helpers.js';

const N = 10_000;
const { valid } = corpus(20260601, N);

describe('differential: wasm vs noble', () => {
  for (const [name, items, want] of [['valid', valid, true]] as const) {
    it(`${N} ${name}: wasm batch == noble, and all ${want ? 'accepted' : 'rejected'}`, { timeout: 900_000 }, () => {
      const batch = wasm.verifyBatch(items);
      const ref = items.map((i) => noble.verify(i.pub, i.msg, i.sig));
      expect(batch.flatMap((b, j) => (b !== ref[j] ? [j] : []))).toEqual([]);
      expect(ref.every((r) => r === want)).toBe(true);
    });
  }
});
