// Scale experiment, part C (target: "a fork proof reaches 99% of online nodes within 3
// heartbeat rounds at 1,000 nodes"): the daemon's AgentCore on N nodes over the hub, every node with
// the core heartbeat (1 s, the profile default) and 1% delivery loss.
//
// Nodes follow the topic of their slot (i mod 5). Author 0 announces; then it is "restored from backup"
// without a continuation record: a new process on an empty store, same key, same epoch, so it signs a
// second entry at seq 1. Followers of its topic hold the first entry and detect the fork; the proof
// (fraud/{author}, retained) must reach every node, including the four fifths that never follow that
// topic. Measured from the first detection: the time until 50%, 99% and 100% of online nodes have
// quarantined the author, in ms and in heartbeat rounds; the number of proof publications (the
// hold-off and suppression keep it low) and the bytes of the fraud channel.

import type { CryptoPort } from '../../core/base/ports.js';
import { MemoryStore } from '../../core/log/memory-store.js';
import { NodeProc } from '../net/node-proc.js';
import { simIdentity } from '../net/identities.js';
import { sharedBindingDecoder } from '../net/intern.js';
import { World } from '../net/world.js';
import { TOPICS, capabilityOf } from './workload.js';

export interface ForkResult {
  readonly nodes: number;
  readonly heartbeatMs: number;
  readonly lossP: number;
  readonly detectors: number;
  readonly reached: number;
  readonly online: number;
  /** ms from the first detection until the share of online nodes had quarantined the author. */
  readonly p50Ms: number | null;
  readonly p99Ms: number | null;
  readonly allMs: number | null;
  readonly roundsTo99: number | null;
  readonly publications: number;
  readonly fraudBytes: number;
}

export function forkPart(
  crypto: CryptoPort,
  seed: number,
  n: number,
  lossP = 0.01,
  heartbeatMs = 1_000,
  bindingDecoder = sharedBindingDecoder(crypto),
): ForkResult {
  const world = new World(seed + 2_000_003, { lossP });
  const stores: MemoryStore[] = [];
  const quarantinedAt = new Array<number | undefined>(n).fill(undefined);
  const detectedAt: number[] = [];
  const detectors = new Set<number>();
  const procs: NodeProc[] = [];
  for (let i = 0; i < n; i++) {
    const id = simIdentity(crypto, seed + 2_000_003, i);
    stores.push(new MemoryStore());
    const topic = TOPICS[i % TOPICS.length]!;
    world.addNode((io) => {
      const p = new NodeProc(
        io,
        { crypto, store: stores[i]!, agentSecret: id.agentSecret, binding: id.binding, heartbeatMs, bindingDecoder },
        {
          onStart: (c) => c.follow(topic),
          onEvent: (e, now) => {
            if (e.type === 'fork' && quarantinedAt[i] === undefined) quarantinedAt[i] = now;
            if (e.type === 'rejected' && e.reason === 'fork') {
              detectedAt.push(now);
              detectors.add(i);
            }
          },
        },
      );
      procs[i] = p;
      return p;
    });
  }
  for (let i = 0; i < n; i++) world.join(i);
  world.run(5_000);
  const cap = capabilityOf(0);
  world.act(0, (p) => (p as NodeProc).act(world.now, (c, now) => c.announce(now, { kind: 'capability', ...cap })));
  world.run(10_000);
  // restore from an empty backup without a continuation record: same epoch, a second seq 1
  world.leave(0);
  stores[0] = new MemoryStore();
  world.join(0);
  world.act(0, (p) =>
    (p as NodeProc).act(world.now, (c, now) =>
      c.announce(now, { kind: 'capability', ...cap, text: `${cap.text} (restored)` }),
    ),
  );
  world.run(40_000);
  const t0 = detectedAt.length ? Math.min(...detectedAt) : undefined;
  const times: number[] = [];
  let online = 0;
  for (let i = 1; i < n; i++) {
    if (!world.online(i)) continue;
    online++;
    if (quarantinedAt[i] !== undefined) times.push(quarantinedAt[i]!);
  }
  times.sort((a, b) => a - b);
  const at = (share: number): number | null => {
    const k = Math.ceil(share * online);
    return t0 === undefined || times.length < k ? null : times[k - 1]! - t0;
  };
  const p99 = at(0.99);
  let publications = 0;
  for (let i = 1; i < n; i++) publications += procs[i]!.core.status().forkProofs.published;
  return {
    nodes: n,
    heartbeatMs,
    lossP,
    detectors: detectors.size,
    reached: times.length,
    online,
    p50Ms: at(0.5),
    p99Ms: p99,
    allMs: at(1),
    roundsTo99: p99 === null ? null : Math.ceil(p99 / heartbeatMs),
    publications,
    fraudBytes: world.bytesByCategory.get('fraud') ?? 0,
  };
}
