// Runs one method on one scenario and scores it. Every method gets the same scenario (churn
// schedule, requests) and its own World seeded the same way, so links draw the same delays in the
// same order as far as the methods send the same traffic.
//
// Scoring (docs/simulator.md "Definitions"):
//   success   a request is a success when, within the deadline, its requester holds a verified
//             declaration (signature, binding and body hash checked) of a correct provider (its
//             capability covers the request's tags) that is online at that moment;
//   rate      successes / (servable requests − abandoned ones): a request nobody could serve (no
//             correct provider online when it started) or whose requester left before its deadline
//             without an answer says nothing about the method and is reported, not scored;
//   latency   from the request to its first success (successful requests only);
//   bytes     every byte on every link in the whole run (announcements, births, headers, pulls,
//             frontiers, repair, queries, subscriptions), divided by the number of requests issued.

import { toHex } from '../../core/base/bytes.js';
import type { CryptoPort } from '../../core/base/ports.js';
import type { SimIdentity } from '../net/identities.js';
import type { NetParams } from '../net/links.js';
import { World } from '../net/world.js';
import type { Request, Scenario } from './workload.js';

export interface RunCtx {
  readonly world: World;
  readonly sc: Scenario;
  readonly crypto: CryptoPort;
  readonly ids: readonly SimIdentity[];
  /** Node index by agent key hex. */
  readonly byKey: ReadonlyMap<string, number>;
  /** A method reports that request `reqId`'s requester now holds a verified declaration of `provider`. */
  found(reqId: number, provider: number): void;
}

export interface Method {
  readonly name: string;
  /** Adds the method's nodes: 0..nodes−1 are the agents, in order; extra nodes (a registry) after. */
  addNodes(ctx: RunCtx): void;
  /** The request's node is online: start looking. */
  request(ctx: RunCtx, req: Request): void;
}

export interface SeedOutcome {
  readonly issued: number;
  readonly servable: number;
  readonly abandoned: number;
  readonly successes: number;
  readonly success: number;
  readonly latencies: number[];
  readonly bytes: number;
  readonly bytesPerRequest: number;
  readonly bytesByCategory: Record<string, number>;
}

export function runMethod(
  m: Method,
  sc: Scenario,
  crypto: CryptoPort,
  ids: readonly SimIdentity[],
  seed: number,
  net: Partial<NetParams>,
): SeedOutcome {
  const world = new World(seed, net);
  const started = new Map<number, number>();
  const doneAt = new Map<number, number>();
  const reqs = sc.requests;
  const byKey = new Map(ids.map((id, i) => [toHex(id.agentKey), i] as const));
  const ctx: RunCtx = {
    world,
    sc,
    crypto,
    ids,
    byKey,
    found(reqId, provider) {
      const r = reqs[reqId]!;
      const t0 = started.get(reqId);
      if (t0 === undefined || doneAt.has(reqId) || world.now - t0 > sc.deadlineMs) return;
      if (!r.providers.includes(provider) || !world.online(provider) || !world.online(r.node)) return;
      doneAt.set(reqId, world.now);
    },
  };
  m.addNodes(ctx);
  for (let i = 0; i < world.size; i++) {
    for (const [a, b] of sc.sessions[i] ?? [[0, sc.endMs + 1]]) {
      world.at(a, () => world.join(i));
      world.at(b, () => world.leave(i));
    }
  }
  for (const r of reqs) {
    world.at(r.t, () => {
      if (!world.online(r.node)) return;
      started.set(r.id, world.now);
      m.request(ctx, r);
    });
  }
  world.run(sc.endMs);

  let servable = 0;
  let abandoned = 0;
  const latencies: number[] = [];
  for (const r of reqs) {
    const t0 = started.get(r.id);
    if (t0 === undefined) continue;
    const done = doneAt.get(r.id);
    if (!r.providers.some((p) => sc.sessions[p]!.some(([a, b]) => a <= t0 && t0 < b))) continue;
    servable++;
    if (done !== undefined) latencies.push(done - t0);
    const session = sc.sessions[r.node]!.find(([a, b]) => a <= t0 && t0 < b)!;
    if (done === undefined && session[1] < t0 + sc.deadlineMs) abandoned++;
  }
  const scored = servable - abandoned;
  const bytes = world.totalBytes();
  return {
    issued: started.size,
    servable,
    abandoned,
    successes: latencies.length,
    success: scored > 0 ? latencies.length / scored : 1,
    latencies,
    bytes,
    bytesPerRequest: started.size ? bytes / started.size : 0,
    bytesByCategory: Object.fromEntries([...world.bytesByCategory].sort(([a], [b]) => (a < b ? -1 : 1))),
  };
}
