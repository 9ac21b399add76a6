// The simulated node runs the whole NodeCore (src/sim/net/node-proc.ts): the flood gate refuses a flooding author
// inside the simulation, and the trust recompute and a task's bid window fire at their deadlines in virtual time.

import { describe, expect, it } from 'vitest';
import { DEFAULT_FLOOD_LIMITS } from '../../src/core/gossip/gate.js';
import { SIM_TRUST_RECOMPUTE_MS, type NodeProcOptions } from '../../src/sim/net/node-proc.js';
import { SPEC, testMechanism } from '../market/task-world.js';
import { agentWorld, TOPIC } from './net.js';

const FLOOD = DEFAULT_FLOOD_LIMITS.entries.burst + 200;

/** Node 0 follows the topic; node 1 appends FLOOD capabilities at one virtual instant. */
function flood(procOpts: NodeProcOptions) {
  const w = agentWorld(2, 21, { lossP: 0 }, { heartbeatMs: 60_000 }, [], procOpts);
  w.world.join(0);
  w.world.join(1);
  w.world.run(1000);
  w.announce(0, 'intent', ['data.analysis']);
  w.world.run(2000);
  w.world.act(1, () =>
    w.proc(1).act(w.world.now, (c, now) => {
      for (let k = 0; k < FLOOD; k++)
        c.announce(now, {
          kind: 'capability',
          topic: TOPIC,
          tags: [`data.analysis.v${k}`],
          text: `v${k}`,
          ttlMs: 3_600_000,
        });
    }),
  );
  w.world.run(3000);
  const limited = w.events[0]!.filter((e) => e.type === 'rejected' && e.reason === 'rate_limited').length;
  w.world.run(30_000); // gap repair fetches what was refused, within the budget
  return { w, limited, held: w.headSeq(0, 1) };
}

describe('NodeCore in the simulator', () => {
  it('the flood gate rate-limits a flooding author inside the simulation', () => {
    const gated = flood({});
    // The author's entries beyond its budget (the burst, then its rate) are refused as the flood arrives; gap repair
    // brings them later within the budget, so nothing is lost.
    expect(gated.limited).toBeGreaterThan(0);
    expect(gated.held).toBe(FLOOD);
    expect(gated.w.proc(0).node.gate).toBeDefined();
    // The same run without the gate: nothing refused.
    const open = flood({ flood: false });
    expect(open.limited).toBe(0);
    expect(open.held).toBe(FLOOD);
  });

  it('trust recomputes at its deadline in virtual time, through the node deadline', () => {
    const w = agentWorld(3, 22, { lossP: 0 });
    for (let i = 0; i < 3; i++) w.world.join(i);
    const nodes = [0, 1, 2].map((i) => w.proc(i).node);
    const epochs = () => nodes.map((n) => n.trustPart!.trust.status().epochs);
    const next = () => nodes.map((n) => n.trustPart!.nextDeadline());
    w.world.run(SIM_TRUST_RECOMPUTE_MS - 1);
    expect(epochs()).toEqual([0, 0, 0]);
    expect(next()).toEqual(nodes.map(() => w.wire(SIM_TRUST_RECOMPUTE_MS)));
    w.world.run(SIM_TRUST_RECOMPUTE_MS);
    expect(epochs()).toEqual([1, 1, 1]);
    expect(next()).toEqual(nodes.map(() => w.wire(2 * SIM_TRUST_RECOMPUTE_MS)));
    w.world.run(3 * SIM_TRUST_RECOMPUTE_MS);
    expect(next()).toEqual(nodes.map(() => w.wire(4 * SIM_TRUST_RECOMPUTE_MS)));
    // Without trust the node has no recompute deadline and no trust part.
    const bare = agentWorld(1, 22, { lossP: 0 }, {}, [], { trust: false });
    bare.world.join(0);
    bare.world.run(SIM_TRUST_RECOMPUTE_MS);
    expect(bare.proc(0).node.trustPart).toBeUndefined();
  });

  it("a posted task's bid window closes at its deadline in virtual time, through the node deadline", () => {
    const w = agentWorld(2, 23, { lossP: 0 });
    w.world.join(0);
    w.world.join(1);
    w.world.run(1000);
    const id = w
      .proc(0)
      .actNode(w.world.now, (n, now) => n.tasks!.post(now, { ...SPEC, mechanism: testMechanism() }).id);
    const engine = w.proc(0).node.tasks!;
    expect(engine.get(id)!.state).toBe('open');
    w.world.run(1000 + SPEC.bidWindowMs - 1);
    expect(engine.get(id)!.state).toBe('open');
    w.world.run(1000 + SPEC.bidWindowMs);
    expect(engine.get(id)!.state).not.toBe('open'); // no bid came: the window closed at its virtual deadline
  });
});
