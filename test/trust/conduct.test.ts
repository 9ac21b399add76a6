// Local conduct (src/core/trust/conduct.ts): the debt/factor arithmetic, the half-life, the bound on
// memory, and misuse. Where the violations come from (the flood gate, signed time) is
// test/unit/ratelimit.test.ts; on real nodes under a flood, test/reliability/flood.test.ts.
import { describe, expect, it } from 'vitest';
import { Conduct, DEFAULT_CONDUCT } from '../../src/core/trust/conduct.js';

const T = 1_700_000_000_000;

describe('Conduct', () => {
  it('factor = 1 / (1 + D / D½); D halves every half-life; an author never seen is 1', () => {
    const c = new Conduct({ halfLifeMs: 1000, halfDebt: 10, maxAuthors: 8 });
    expect(c.factor('a', T)).toBe(1);
    for (let i = 0; i < 10; i++) c.handleViolation(T, 'a', 'entry_rate');
    expect(c.factor('a', T)).toBeCloseTo(0.5, 12);
    expect(c.factor('a', T + 1000)).toBeCloseTo(1 / 1.5, 12);
    expect(c.factor('a', T + 10_000)).toBeGreaterThan(0.999);
    expect(c.factor('a', T - 5000)).toBeCloseTo(0.5, 12); // a clock going backwards decays nothing
    c.handleViolation(T + 1000, 'a', 'entry_rate', 5); // 5 on top of the decayed 5
    expect(c.factor('a', T + 1000)).toBeCloseTo(0.5, 12);
    expect(c.entries(T + 1000)).toEqual([
      { agent: 'a', factor: expect.closeTo(0.5, 12), debt: expect.closeTo(10, 12), violations: { entry_rate: 11 } },
    ]); // events counted, whatever their weight
    expect(c.status(T).violations).toBe(11);
  });

  it('keeps at most maxAuthors records, dropping the most nearly forgiven', () => {
    const c = new Conduct({ halfLifeMs: 1000, halfDebt: 1, maxAuthors: 2 });
    c.handleViolation(T, 'old', 'entry_rate', 100);
    c.handleViolation(T + 10_000, 'new', 'entry_rate', 1); // 'old' has decayed to 100 / 1024
    c.handleViolation(T + 10_000, 'third', 'entry_rate', 50);
    expect(c.status(T + 10_000).tracked).toBe(2);
    expect(c.factor('old', T + 10_000)).toBe(1);
    expect(c.factor('third', T + 10_000)).toBeLessThan(c.factor('new', T + 10_000));
  });

  it('misuse is a RangeError naming the argument', () => {
    expect(() => new Conduct({ ...DEFAULT_CONDUCT, halfLifeMs: 0 })).toThrow(/halfLifeMs/);
    expect(() => new Conduct({ ...DEFAULT_CONDUCT, halfDebt: -1 })).toThrow(/halfDebt/);
    expect(() => new Conduct({ ...DEFAULT_CONDUCT, maxAuthors: 0.5 })).toThrow(/maxAuthors/);
    expect(() => new Conduct().handleViolation(T, 'a', 'entry_rate', 0)).toThrow(/weight/);
  });
});
