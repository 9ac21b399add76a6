// The discovery experiment at reduced size (the paper-size run is `node scripts/sim.mjs discovery`,
// see docs/simulator.md): determinism, and the claims the paper makes, checked on our simulator.

import { describe, expect, it } from 'vitest';
import { formatDiscoveryTable, runDiscoveryExperiment } from '../../src/sim/discovery/index.js';
import { buildScenario, capabilityOf, covers } from '../../src/sim/discovery/workload.js';
import { crypto } from '../helpers.js';

describe('discovery experiment', () => {
  it('same seed, same options: byte-identical JSON; another seed differs', () => {
    const o = { nodes: 12, churn: 0.2, seeds: 1, requests: 6, spanMs: 12_000, crypto, seed0: 5 };
    const a = JSON.stringify(runDiscoveryExperiment(o));
    const b = JSON.stringify(runDiscoveryExperiment(o));
    expect(b).toBe(a);
    expect(JSON.stringify(runDiscoveryExperiment({ ...o, seed0: 6 }))).not.toBe(a);
  });

  it('bodyless deaths (MQTT Wills) are counted by default; wills: false leaves them out', () => {
    const o = {
      nodes: 12,
      churn: 0.4,
      seeds: 1,
      requests: 6,
      spanMs: 40_000,
      crypto,
      seed0: 5,
      methods: ['bodyless'] as const,
    };
    const on = runDiscoveryExperiment(o);
    const off = runDiscoveryExperiment({ ...o, wills: false });
    expect([on.params.willDelayMs, off.params.willDelayMs]).toEqual([30_000, null]);
    expect(on.methods.bodyless!.bytesByCategory['birth']).toBeGreaterThan(
      off.methods.bodyless!.bytesByCategory['birth']!,
    );
  });

  it('scenario: requests have correct providers and the churn level is what was asked', () => {
    const sc = buildScenario({ nodes: 400, churn: 0.2, seed: 3 });
    for (const r of sc.requests) {
      expect(r.providers.length).toBeGreaterThan(0);
      for (const p of r.providers) expect(covers(capabilityOf(p).tags, r.tags)).toBe(true);
      expect(capabilityOf(r.node).topic).not.toBe(r.topic);
    }
    // Time-averaged share offline over all nodes, sampled every second.
    let off = 0;
    let n = 0;
    for (let t = 0; t < sc.endMs; t += 1000)
      for (let i = 0; i < 400; i++, n++) if (!sc.sessions[i]!.some(([a, b]) => a <= t && t < b)) off++;
    expect(off / n).toBeGreaterThan(0.15);
    expect(off / n).toBeLessThan(0.25);
  });

  // ~10 s of CPU; the timeout leaves room for a loaded CI machine.
  it(
    '40 nodes, 20% churn, 2 seeds: bodyless finds a provider for every scored request with fewer bytes than broadcast',
    { timeout: 180_000 },
    () => {
      const r = runDiscoveryExperiment({ nodes: 40, churn: 0.2, seeds: 2, requests: 20, spanMs: 30_000, crypto });
      const table = formatDiscoveryTable(r);
      console.log(table);
      const b = r.methods.bodyless!;
      const bc = r.methods.broadcast!;
      expect(b.requests.servable - b.requests.abandoned).toBeGreaterThan(30);
      expect(b.success).toBe(1);
      expect(b.bytesPerRequest).toBeLessThan(bc.bytesPerRequest);
      expect(b.p95Ms).toBeLessThan(3000);
      expect(r.methods.registry!.success).toBeLessThanOrEqual(b.success);
      expect(table).toContain('bodyless');
    },
  );
});
