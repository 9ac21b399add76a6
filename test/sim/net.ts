// A small world of AgentCore nodes on the simulator's hub, for scenario tests.

import type { AgentOptions } from '../../src/core/agent.js';
import { MemoryStore } from '../../src/core/log/memory-store.js';
import type { CoreEvent } from '../../src/core/types.js';
import { NodeProc, type NodeProcOptions } from '../../src/sim/net/node-proc.js';
import { simIdentity, SIM_EPOCH } from '../../src/sim/net/identities.js';
import type { NetParams } from '../../src/sim/net/links.js';
import { memoizedCrypto } from '../../src/sim/net/memo-crypto.js';
import { World } from '../../src/sim/net/world.js';
import { crypto as realCrypto, hex } from '../helpers.js';

export const TOPIC = 'data_analysis';

/** `heartbeat`: the core's anti-entropy options (AgentOptions heartbeatMs, frontierRepeats, resyncEvery). */
export function agentWorld(
  n: number,
  seed: number,
  net: Partial<NetParams> = {},
  heartbeat: Partial<AgentOptions> = {},
  stores: MemoryStore[] = [],
  procOpts: NodeProcOptions = {},
) {
  const { crypto } = memoizedCrypto(realCrypto);
  const world = new World(seed, net);
  const events: CoreEvent[][] = [];
  /** Per-node extra options for the next (re)start (epoch, continuation). */
  const opts: Array<Partial<AgentOptions>> = [];
  const ids = Array.from({ length: n }, (_, i) => simIdentity(crypto, seed, i));
  for (let i = 0; i < n; i++) {
    stores[i] ??= new MemoryStore();
    events.push([]);
    // the store is looked up at each (re)start, so a test can swap it (a restore from backup)
    world.addNode(
      (io) =>
        new NodeProc(
          io,
          {
            crypto,
            store: stores[i]!,
            agentSecret: ids[i]!.agentSecret,
            binding: ids[i]!.binding,
            ...heartbeat,
            ...(opts[i] ?? {}),
          },
          { onEvent: (e) => events[i]!.push(e) },
          procOpts,
        ),
    );
  }
  const proc = (i: number) => world.proc(i) as NodeProc;
  return {
    world,
    stores,
    events,
    ids,
    opts,
    crypto,
    announce(i: number, kind: 'capability' | 'intent', tags: string[], ttlMs = 3_600_000) {
      world.act(i, (p) =>
        (p as NodeProc).act(world.now, (c, now) =>
          c.announce(now, { kind, topic: TOPIC, tags, text: `${kind} ${i} ${tags.join(' ')}`, ttlMs }),
        ),
      );
    },
    /** Seq of author a's log head in node i's store (0 = none). */
    headSeq(i: number, a: number): number {
      return stores[i]!.head(ids[a]!.agentKey, TOPIC)?.seq ?? 0;
    },
    discovered(i: number): string[] {
      return events[i]!.flatMap((e) => (e.type === 'discovered' ? [e.author] : []));
    },
    keyHex: (a: number) => hex(ids[a]!.agentKey),
    proc,
    wire: (t: number) => SIM_EPOCH + t,
  };
}
