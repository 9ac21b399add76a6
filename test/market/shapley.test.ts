import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { shapley } from '../../src/core/market/shapley.js';

const has = (m: number, i: number) => (m & (1 << i)) !== 0;

describe('exact Shapley values', () => {
  it('glove game: one left glove (0), two right gloves (1, 2); a pair is worth 1', () => {
    // Hand-computed: player 0 is pivotal in 4 of 6 orders -> 2/3; each right glove in 1 of 6 -> 1/6.
    const phi = shapley(3, (m) => (has(m, 0) && (has(m, 1) || has(m, 2)) ? 1 : 0));
    expect(phi[0]).toBeCloseTo(2 / 3, 12);
    expect(phi[1]).toBeCloseTo(1 / 6, 12);
    expect(phi[2]).toBeCloseTo(1 / 6, 12);
  });

  it('the task value V(Σw/W)^2 with V=9, W=3, w=(1,2): phi = (3, 6)', () => {
    // v{0}=1, v{1}=4, v{0,1}=9. phi0 = (1 + (9-4))/2 = 3, phi1 = (4 + (9-1))/2 = 6.
    const w = [1, 2];
    const phi = shapley(2, (m) => 9 * (w.reduce((s, x, i) => s + (has(m, i) ? x : 0), 0) / 3) ** 2);
    expect(phi[0]).toBeCloseTo(3, 12);
    expect(phi[1]).toBeCloseTo(6, 12);
  });

  it('airport game (cost sharing of a runway): costs 1, 3, 6 share as 1/3, 4/3, 13/3', () => {
    const c = [1, 3, 6];
    const phi = shapley(3, (m) => Math.max(0, ...c.filter((_, i) => has(m, i))));
    expect(phi[0]).toBeCloseTo(1 / 3, 12);
    expect(phi[1]).toBeCloseTo(4 / 3, 12);
    expect(phi[2]).toBeCloseTo(13 / 3, 12);
  });

  it('is efficient, symmetric and gives dummies nothing (property)', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 100 }), { minLength: 16, maxLength: 16 }), (table): void => {
        // 4 players; v from a random table with v(empty) = 0; player 3 is a dummy (v ignores it).
        const v = (m: number) => (m & 7 ? table[m & 7]! : 0);
        const phi = shapley(4, v);
        expect(phi.reduce((a, b) => a + b, 0)).toBeCloseTo(v(15), 9);
        expect(phi[3]).toBeCloseTo(0, 12);
      }),
    );
    const sym = shapley(3, (m) => [0, 1, 1, 5, 2, 3, 3, 9][m]!); // players 0 and 1 interchangeable
    expect(sym[0]).toBeCloseTo(sym[1]!, 12);
    expect(shapley(0, () => 0)).toEqual([]);
    expect(() => shapley(21, () => 0)).toThrow(RangeError);
  });
});
