// Method "kademlia" (the paper's Kademlia DHT baseline): a small, faithful Kademlia (Maymounkov &
// Mazières, IPTPS 2002) on the same simulated network, workload and churn as the other methods.
//
//  - ids: a node's id is SHA-256 of its agent key (256-bit XOR metric); a topic's key is
//    SHA-256("agentnet/kad/v1/topic/" + topic), so FIND_VALUE by topic finds that topic's providers;
//  - k-buckets of k = 20, α = 3 parallel iterative lookups, 1 s per-RPC timeout (routing.ts, rpc.ts);
//  - join: 3 known bootstrap contacts per node (drawn per node from the run's identities), a lookup
//    for its own id, and on the first join a refresh of every bucket farther than its closest
//    neighbour (node.ts);
//  - publish: at every join and every 60 s while online, a provider looks up the k closest nodes to
//    its topic's key and STOREs its signed declaration there (birth with binding + entry + body, the
//    same objects as every method); holders verify before keeping it; a value expires 120 s after
//    its STORE (two republish periods: one missed republish does not lose it);
//  - query: a requester first looks in its own store, then runs a FIND_VALUE lookup for the topic's
//    key carrying the wanted tags; a holder answers with up to 8 matching declarations, most recently
//    stored first (as the registry does), otherwise with its k closest contacts; the requester
//    verifies each declaration (signed.ts DeclChecker: T2 binding, T1 entry, body hash) and stops
//    when it holds one from an online provider; if a lookup ends without one it runs another 2 s after
//    the previous one started, until its deadline;
//  - churn: a node's routing table, stored values and verifier survive its restarts (its disk); while
//    offline it receives nothing; a contact that misses an RPC timeout leaves the table.
// Benefit of the doubt, as for the registry: FIND_VALUE filters by the wanted tags at the holder (a
// plain DHT would return every value under the key), the requester knows for free whether a
// provider is online (a real client would have to probe it), and no republish by holders is needed
// (the node set is fixed, so the k closest nodes to a key never change; holders keep their values
// across restarts). Not modelled: caching along the lookup path (§2.3), hourly bucket refresh (the
// run is 150 s), node-id verification (all nodes are honest here).
//
// Bytes: every RPC and reply travels to the receiver's inbox through the hub (the simulator's only
// network: a UDP datagram between two nodes would cross the same two access links), counted on both
// links at its MQTT size like every method's messages. Categories: `kn` routing (join and refresh
// lookups, pings), `ks` publishing (the publisher's FIND_NODE lookups, STOREs and their replies),
// `kv` querying (FIND_VALUE and its replies), `sub` the three inbox subscriptions per join.

import type { Method, RunCtx } from '../runner.js';
import { DeclChecker } from '../signed.js';
import type { Request } from '../workload.js';
import { type KadParams, KadProc, type KadStats, type Kept } from './node.js';
import { type Contact, idFromBytes, RoutingTable } from './routing.js';

export const KAD_DEFAULTS: KadParams = {
  k: 20,
  alpha: 3,
  rpcTimeoutMs: 1_000,
  bootstrapContacts: 3,
  republishMs: 60_000,
  valueTtlMs: 120_000,
  retryMs: 2_000,
  maxValues: 8,
  refreshOnJoin: true,
};

export function kademliaMethod(params: Partial<KadParams> = {}): Method & { readonly stats: KadStats } {
  const p = { ...KAD_DEFAULTS, ...params };
  for (const [k, v] of Object.entries(p))
    if (typeof v !== 'boolean' && !(Number.isInteger(v) && v > 0))
      throw new RangeError(`kademliaMethod: ${k} must be a positive integer`);
  if (p.valueTtlMs < p.republishMs) throw new RangeError('kademliaMethod: valueTtlMs must be >= republishMs');
  const stats: KadStats = { rpcs: 0, timeouts: 0, lookups: 0, stores: 0 };
  return {
    name: 'kademlia',
    stats,
    addNodes(ctx: RunCtx) {
      const n = ctx.sc.nodes;
      const nodeId = (i: number) => idFromBytes(ctx.crypto.sha256(ctx.ids[i]!.agentKey));
      const ids = Array.from({ length: n }, (_, i) => nodeId(i));
      for (let i = 0; i < n; i++) {
        const bootstrap: Contact[] = [];
        for (let j = 0; bootstrap.length < Math.min(p.bootstrapContacts, n - 1); j++) {
          const h = ctx.crypto.sha256(
            new Uint8Array([...ctx.ids[i]!.agentKey, ...new TextEncoder().encode(`kad-bootstrap/${j}`)]),
          );
          const b = new DataView(h.buffer, h.byteOffset, 4).getUint32(0) % n;
          if (b !== i && !bootstrap.some((c) => c.addr === b)) bootstrap.push({ id: ids[b]!, addr: b });
        }
        const kept: Kept = {
          table: new RoutingTable(ids[i]!, p.k),
          store: new Map(),
          checker: new DeclChecker(ctx.crypto),
          bootstrap,
          refreshed: false,
          nextRpc: 1,
        };
        ctx.world.addNode((io) => new KadProc(io, ctx, i, kept, p, stats));
      }
    },
    request(ctx: RunCtx, r: Request) {
      ctx.world.act(r.node, (proc) => (proc as KadProc).request(ctx.world.now, r));
    },
  };
}
