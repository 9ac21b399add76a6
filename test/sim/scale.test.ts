// The scale experiment at test size: headers reach every follower, bodies arrive once, and under 30%
// delivery loss every log converges with no missing entry.

import { expect, it } from 'vitest';
import { formatScaleReport, runScaleExperiment } from '../../src/sim/discovery/scale.js';
import { crypto } from '../helpers.js';

it(
  'scale experiment, 60 nodes: full coverage, no duplicate bodies, repair converges under 30% loss, fork proofs and revocations reach all',
  { timeout: 180_000 },
  () => {
    const r = runScaleExperiment({
      nodes: 60,
      crypto,
      publishers: 20,
      repairNodes: 20,
      repairEntries: 6,
      forkNodes: 60,
      revocationNodes: 60,
    });
    console.log(formatScaleReport(r));
    expect(r.dissemination.headerCoverage.min).toBe(1);
    expect(r.dissemination.bodiesPulled).toBeGreaterThan(0);
    expect(r.dissemination.bodyDuplicatesPerNodePerMessage).toBe(0);
    expect(r.dissemination.headerBytes.max).toBeLessThanOrEqual(512);
    expect(r.repair!.lost).toBeGreaterThan(0);
    expect(r.repair!.missingEntries).toBe(0);
    expect(r.repair!.converged).toBe(r.repair!.logs);
    // the forked author's topic followers detect it; the proof reaches every online node within 3 rounds
    const f = r.fork!;
    expect(f.detectors).toBeGreaterThan(0);
    expect(f.reached).toBe(f.online);
    expect(f.roundsTo99).not.toBeNull();
    expect(f.roundsTo99!).toBeLessThanOrEqual(3);
    expect(f.publications).toBeLessThan(f.detectors + 1);
    // a revocation published through one node: every online node refuses the key within 5 s (virtual),
    // late joiners get it from the retained copy, and the revoked agent's next entry is refused everywhere
    const v = r.revocation!;
    expect(v.reached).toBe(v.online);
    expect(v.knewBinding).toBeGreaterThan(0);
    expect(v.knewBinding).toBeLessThan(v.online); // some nodes kept it for an agent they had not met
    expect(v.p99Ms).not.toBeNull();
    expect(v.p99Ms!).toBeLessThanOrEqual(5_000);
    expect(v.lateJoiners).toBeGreaterThan(0);
    expect(v.lateReached).toBe(v.lateJoiners);
    expect(v.followers).toBeGreaterThan(0);
    expect(v.refusedRevoked).toBe(v.followers);
    expect(v.storedAfter).toBe(0);
    expect(v.publications).toBe(3); // the first publication and two heartbeat repeats, by the one node
  },
);
