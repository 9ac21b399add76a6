import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fletcher32Reference as fletcher32, loadProbe } from '../../src/runtime/wasm/probe.js';

describe('probe kernel: build-and-load path', () => {
  for (const variant of ['release', 'debug'] as const) {
    it(`${variant} build loads, reports its ABI and fixed memory, and matches the TS reference`, () => {
      const p = loadProbe(variant);
      expect(p.abi).toBe(1);
      expect(p.memoryBytes).toBe(65536);
      fc.assert(
        fc.property(fc.uint8Array({ maxLength: 4096 }), (d) => {
          expect(p.fletcher32(d)).toBe(fletcher32(d));
        }),
        { numRuns: 200 },
      );
      expect(() => p.fletcher32(new Uint8Array(65537))).toThrow(RangeError);
    });
  }
});
