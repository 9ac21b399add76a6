// Simulator pieces and a reduced MG-EigenTrust experiment (docs/architecture.md §7, §10).
import { describe, expect, it } from 'vitest';
import { Rng } from '../../src/sim/rng.js';
import { Scheduler } from '../../src/sim/scheduler.js';
import { runTrustExperiment, formatTrustTable, METHODS } from '../../src/sim/trust/index.js';
import { powerIterate } from '../../src/core/trust/eigentrust.js';
import { loadEigenTrust } from '../../src/runtime/wasm/eigentrust.js';

describe('Rng (xoshiro128**)', () => {
  it('matches the reference outputs of xoshiro128** from state {1,2,3,4}', () => {
    const r = Rng.fromState([1, 2, 3, 4]);
    expect(Array.from({ length: 6 }, () => r.u32())).toEqual([11520, 0, 5927040, 70819200, 2031721883, 1637235492]);
  });
  it('is deterministic per seed, differs across seeds, next() in [0,1)', () => {
    const a = new Rng(42);
    const b = new Rng(42);
    const c = new Rng(43);
    const xa = Array.from({ length: 100 }, () => a.next());
    expect(Array.from({ length: 100 }, () => b.next())).toEqual(xa);
    expect(Array.from({ length: 100 }, () => c.next())).not.toEqual(xa);
    expect(xa.every((x) => x >= 0 && x < 1)).toBe(true);
    expect(new Set(new Rng(1).sample([1, 2, 3, 4, 5], 5)).size).toBe(5);
  });
});

describe('Scheduler', () => {
  it('runs events in time order, FIFO on ties, stops at `until`, rejects the past', () => {
    const s = new Scheduler<string>(1);
    s.at(5, 'c');
    s.at(1, 'a');
    s.at(5, 'd');
    s.at(2, 'b');
    s.at(9, 'e');
    const seen: string[] = [];
    expect(s.run((e) => seen.push(e), 5)).toBe(4);
    expect(seen).toEqual(['a', 'b', 'c', 'd']);
    expect(s.now).toBe(5);
    expect(s.nextTime()).toBe(9);
    expect(() => s.at(3, 'x')).toThrow(/time/);
    s.after(1, 'f');
    s.run((e) => seen.push(e));
    expect(seen.slice(4)).toEqual(['f', 'e']);
  });
});

describe('MG-EigenTrust experiment (reduced)', () => {
  it('same seed gives byte-identical JSON; the WASM kernel and the TS reference give the same JSON', () => {
    const a = JSON.stringify(runTrustExperiment({ seeds: 1, epochs: 16, iterate: powerIterate }));
    const b = JSON.stringify(runTrustExperiment({ seeds: 1, epochs: 16, iterate: powerIterate }));
    const w = JSON.stringify(runTrustExperiment({ seeds: 1, epochs: 16, iterate: loadEigenTrust() }));
    expect(b).toBe(a);
    expect(w).toBe(a);
    expect(JSON.stringify(runTrustExperiment({ seeds: 1, epochs: 16, firstSeed: 2, iterate: powerIterate }))).not.toBe(
      a,
    );
  }, 180_000);

  it('orders the methods mg < perTopic ≈ random < flat, with detection high and false positives low', () => {
    const r = runTrustExperiment({ seeds: 3, iterate: loadEigenTrust() });
    const a = (m: (typeof METHODS)[number]) => r.methods[m].attackSuccess;
    expect(Object.keys(r.methods)).toEqual([...METHODS]);
    expect(a('flat')).toBeGreaterThan(0.3);
    expect(a('random')).toBeGreaterThan(0.15);
    expect(a('perTopic')).toBeGreaterThan(0.15);
    expect(Math.max(a('random'), a('perTopic'))).toBeLessThan(a('flat'));
    expect(Math.abs(a('perTopic') - a('random'))).toBeLessThan(0.08);
    expect(a('mg')).toBeLessThan(0.03);
    expect(a('mg')).toBeLessThan(a('mg-noSlash'));
    expect(a('mg')).toBeLessThan(a('mg-noGate'));
    expect(r.methods.mg.detectionRate).toBeGreaterThan(0.9);
    expect(r.methods.mg.falsePositiveRate).toBeLessThan(0.06);
    expect(r.methods.mg.entriesPerEpoch).toBeLessThanOrEqual(45);
    expect(r.methods.perTopic.entriesPerEpoch).toBe(500);
    expect(r.methods.random.entriesPerEpoch).toBe(0);
    expect(r.methods.mg.attackerRoi).toBeLessThan(0);
    expect(r.methods.flat.attackerRoi).toBeGreaterThan(r.methods.random.attackerRoi);
    const ci = r.methods.mg.ci.attackSuccess;
    expect(ci[0]).toBeLessThanOrEqual(a('mg'));
    expect(ci[1]).toBeGreaterThanOrEqual(a('mg'));
    expect(formatTrustTable(r)).toMatch(/mg-noSemantic/);
  }, 180_000); // ≈ 8 s on an idle 2-core machine; the margin is for a loaded one

  it('threat model C (camouflaged collective): MG keeps failed transactions under 10%', () => {
    const r = runTrustExperiment({ seeds: 2, epochs: 30, threat: 'C', iterate: loadEigenTrust() });
    expect(r.methods.mg.attackSuccess).toBeLessThan(0.1);
    expect(r.methods.mg.attackSuccess).toBeLessThan(r.methods.perTopic.attackSuccess);
  }, 180_000);

  it('rejects unknown topics and equal from/to', () => {
    expect(() => runTrustExperiment({ seeds: 1, fromTopic: 'nope', iterate: powerIterate })).toThrow(/topic/);
    expect(() =>
      runTrustExperiment({ seeds: 1, fromTopic: 'code_generation', toTopic: 'code_generation', iterate: powerIterate }),
    ).toThrow(/toTopic/);
  });
});
