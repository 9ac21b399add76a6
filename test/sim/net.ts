// A small world of AgentCore nodes on the simulator's hub, for scenario tests.

import { MemoryStore } from '../../src/core/log/memory-store.js';
import type { CoreEvent } from '../../src/core/types.js';
import { AgentProc } from '../../src/sim/net/agent-proc.js';
import { simIdentity, SIM_EPOCH } from '../../src/sim/net/identities.js';
import type { NetParams } from '../../src/sim/net/links.js';
import { memoizedCrypto } from '../../src/sim/net/memo-crypto.js';
import { World } from '../../src/sim/net/world.js';
import { crypto as realCrypto, hex } from '../helpers.js';

export const TOPIC = 'data_analysis';

export function agentWorld(n: number, seed: number, net: Partial<NetParams> = {}, refreshMs = 0) {
  const { crypto } = memoizedCrypto(realCrypto);
  const world = new World(seed, net);
  const stores: MemoryStore[] = [];
  const events: CoreEvent[][] = [];
  const ids = Array.from({ length: n }, (_, i) => simIdentity(crypto, seed, i));
  for (let i = 0; i < n; i++) {
    const store = new MemoryStore();
    stores.push(store);
    events.push([]);
    world.addNode((io) => new AgentProc(io, { crypto, store, agentSecret: ids[i]!.agentSecret, binding: ids[i]!.binding }, { onEvent: (e) => events[i]!.push(e), refreshMs }));
  }
  const proc = (i: number) => world.proc(i) as AgentProc;
  return {
    world, stores, events, ids,
    announce(i: number, kind: 'capability' | 'intent', tags: string[], ttlMs = 3_600_000) {
      world.act(i, (p) => (p as AgentProc).act(world.now, (c, now) => c.announce(now, { kind, topic: TOPIC, tags, text: `${kind} ${i} ${tags.join(' ')}`, ttlMs })));
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
