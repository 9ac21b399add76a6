// The central-registry baseline depends on one node: down for the whole run, every query fails; up
// for the whole run, every query is answered with a verified provider.

import { expect, it } from 'vitest';
import { registryMethod } from '../../src/sim/discovery/registry.js';
import { runMethod } from '../../src/sim/discovery/runner.js';
import { buildScenario } from '../../src/sim/discovery/workload.js';
import { simIdentity } from '../../src/sim/net/identities.js';
import { crypto } from '../helpers.js';

it('registry: a query while the registry is down fails; with it up, every query succeeds', () => {
  const base = buildScenario({ nodes: 12, churn: 0, seed: 9, requests: 6, spanMs: 12_000 });
  const ids = Array.from({ length: 13 }, (_, i) => simIdentity(crypto, 9, i));
  const down = { ...base, sessions: [...base.sessions.slice(0, 12), []] };
  const r0 = runMethod(registryMethod(), down, crypto, ids, 9, { lossP: 0 });
  expect(r0.issued).toBe(6);
  expect(r0.successes).toBe(0);
  expect(r0.success).toBe(0);
  const r1 = runMethod(registryMethod(), base, crypto, ids, 9, { lossP: 0 });
  expect(r1.success).toBe(1);
  expect(r1.bytesByCategory.rd).toBeGreaterThan(0);
});
