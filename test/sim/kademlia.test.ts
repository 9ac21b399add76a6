// The Kademlia DHT baseline of the discovery experiment (src/sim/discovery/kademlia/): the XOR metric
// and k-buckets against brute-force references, the iterative lookup on a static network, and the
// method end to end on the simulator (static: every node finds a provider; churn: worse, no crash).

import { describe, expect, it } from 'vitest';
import { runDiscoveryExperiment } from '../../src/sim/discovery/index.js';
import { kademliaMethod } from '../../src/sim/discovery/kademlia/method.js';
import {
  bucketIndex,
  byDistance,
  type Contact,
  distance,
  idFromBytes,
  idToBytes,
  RoutingTable,
} from '../../src/sim/discovery/kademlia/routing.js';
import { topicKey } from '../../src/sim/discovery/kademlia/node.js';
import {
  decodeContacts,
  decodeHeader,
  encodeContacts,
  encodeHeader,
  FIND_NODE,
  FIND_VALUE,
  Lookup,
  NODES,
  STORE,
  STORED,
  VALUES,
} from '../../src/sim/discovery/kademlia/rpc.js';
import type { RunCtx } from '../../src/sim/discovery/runner.js';
import { pack, signBirth, signDecl, unpack } from '../../src/sim/discovery/signed.js';
import { World, type NodeIO } from '../../src/sim/net/world.js';
import { encodeBody } from '../../src/core/codec/body.js';
import { utf8 } from '../../src/core/base/bytes.js';
import { runMethod } from '../../src/sim/discovery/runner.js';
import { buildScenario, capabilityOf } from '../../src/sim/discovery/workload.js';
import { simIdentity } from '../../src/sim/net/identities.js';
import { Rng } from '../../src/sim/rng.js';
import { memoizedCrypto } from '../../src/sim/net/memo-crypto.js';
import { crypto as plainCrypto } from '../helpers.js';

// Identical verifications answered once, as runDiscoveryExperiment does (src/sim/net/memo-crypto.ts).
const crypto = memoizedCrypto(plainCrypto).crypto;

/** 256-bit ids from a seeded stream (the reference computations below never use the code under test). */
function randomIds(n: number, seed: number): bigint[] {
  const r = new Rng(seed, { bits: 32 });
  return Array.from({ length: n }, () => {
    let x = 0n;
    for (let w = 0; w < 8; w++) x = (x << 32n) | BigInt(r.u32());
    return x;
  });
}

/** Reference bucket index: position of the highest set bit, by shifting. */
function refBucket(d: bigint): number {
  let i = -1;
  for (let x = d; x > 0n; x >>= 1n) i++;
  return i;
}

describe('kademlia: XOR metric and k-buckets', () => {
  it('distance is XOR: zero only to oneself, symmetric, d(a,b) ^ d(b,c) = d(a,c); buckets are 2^i <= d < 2^(i+1)', () => {
    const ids = randomIds(64, 1);
    expect(bucketIndex(0n)).toBe(-1);
    expect([1n, 2n, 3n, 4n, 255n, 256n, 1n << 255n].map(bucketIndex)).toEqual([0, 1, 1, 2, 7, 8, 255]);
    for (let i = 0; i + 2 < ids.length; i++) {
      const [a, b, c] = [ids[i]!, ids[i + 1]!, ids[i + 2]!];
      expect(distance(a, a)).toBe(0n);
      expect(distance(a, b)).toBe(distance(b, a));
      expect(distance(a, b) > 0n).toBe(true);
      expect(distance(a, b) ^ distance(b, c)).toBe(distance(a, c));
      const d = distance(a, b);
      const bi = bucketIndex(d);
      expect(bi).toBe(refBucket(d));
      expect(1n << BigInt(bi) <= d && d < 1n << BigInt(bi + 1)).toBe(true);
      expect(idFromBytes(idToBytes(a))).toBe(a);
    }
    expect(() => idFromBytes(new Uint8Array(31))).toThrow(RangeError);
    expect(() => idToBytes(1n << 256n)).toThrow(RangeError);
  });

  it('a bucket keeps at most k, least recently seen first; a full bucket pings its head and keeps it if it answers, else takes the newcomer', () => {
    const self = 0n;
    const t = new RoutingTable(self, 3);
    // Distances 8..15 all fall in bucket 3.
    const c = (x: number): Contact => ({ id: BigInt(x), addr: x });
    for (const x of [8, 9, 10]) expect(t.seen(c(x))).toBeUndefined();
    expect(t.seen(c(8))).toBeUndefined(); // 8 moves to the tail: order 9, 10, 8
    expect(t.bucket(3).map((x) => x.addr)).toEqual([9, 10, 8]);
    expect(t.seen(c(11))?.addr).toBe(9); // full: ping the head
    expect(t.seen(c(12))).toBeUndefined(); // one newcomer waits; the next is dropped
    t.seen(c(9)); // the head answered (its PONG is a message from it)
    t.pingAnswered(9n);
    expect(t.bucket(3).map((x) => x.addr)).toEqual([10, 8, 9]);
    expect(t.has(11n)).toBe(false);
    expect(t.seen(c(13))?.addr).toBe(10);
    t.failed(10n); // no answer: evicted, the newcomer takes its place
    expect(t.bucket(3).map((x) => x.addr)).toEqual([8, 9, 13]);
    expect(t.size).toBe(3);
    expect(t.seen(c(1))).toBeUndefined(); // bucket 0 has room
    expect(t.nearestBucket()).toBe(0);
  });

  it('closest(target, n) is the brute-force n closest by XOR', () => {
    const ids = randomIds(300, 2);
    const t = new RoutingTable(ids[0]!, 20);
    for (const [i, id] of ids.entries()) if (i > 0) t.seen({ id, addr: i });
    const kept = ids.filter((id) => t.has(id));
    for (const target of randomIds(10, 3)) {
      const want = [...kept].sort((a, b) => ((a ^ target) < (b ^ target) ? -1 : 1)).slice(0, 20);
      expect(t.closest(target, 20).map((c) => c.id)).toEqual(want);
    }
  });

  it('wire: headers and contact lists round-trip; malformed ones are refused as values', () => {
    const from = { id: randomIds(1, 4)[0]!, addr: 199 };
    const h = decodeHeader([...encodeHeader(FIND_NODE, 0xfffffffe, from), idToBytes(7n)]);
    expect(h?.type).toBe(FIND_NODE);
    expect(h?.rpc).toBe(0xfffffffe);
    expect(h?.from).toEqual(from);
    expect(h?.args.length).toBe(1);
    expect(decodeHeader(encodeHeader(FIND_NODE, 1, from).slice(0, 3))).toBeUndefined();
    const cs = randomIds(5, 5).map((id, i) => ({ id, addr: i * 1000 }));
    const b = encodeContacts(cs);
    expect(b.length).toBe(5 * 38);
    expect(decodeContacts(b)).toEqual(cs);
    expect(decodeContacts(b.subarray(1))).toBeUndefined();
  });
});

describe('kademlia: iterative lookup', () => {
  /** Every node's table filled from every other node in a random order (full buckets keep the first k). */
  function staticNet(n: number, k: number) {
    const ids = randomIds(n, 6);
    const order = new Rng(7, { bits: 32 });
    const tables = ids.map((self, i) => {
      const t = new RoutingTable(self, k);
      for (const j of order.shuffle([...ids.keys()])) if (j !== i) t.seen({ id: ids[j]!, addr: j });
      return t;
    });
    return { ids, tables };
  }

  it('converges on the true k closest of a static network, asking a small share of it', () => {
    const k = 20;
    const { ids, tables } = staticNet(500, k);
    for (const target of randomIds(8, 8)) {
      const from = 0;
      const lk = new Lookup(target, ids[from]!, k, 3, tables[from]!.closest(target, k));
      let rounds = 0;
      for (let ask = lk.next(); ask.length; ask = lk.next(), rounds++)
        for (const c of ask) lk.answered(c.id, tables[c.addr]!.closest(target, k));
      expect(lk.done).toBe(true);
      const truth = byDistance(
        ids.slice(1).map((id, i) => ({ id, addr: i + 1 })),
        target,
      )
        .slice(0, k)
        .map((c) => c.id);
      expect(lk.closest().map((c) => c.id)).toEqual(truth);
      expect(lk.asked).toBeLessThan(100);
    }
  });

  it('contacts that time out are skipped: the result is the k closest that answer', () => {
    const k = 8;
    const { ids, tables } = staticNet(200, k);
    const down = new Set(ids.map((_, i) => i).filter((i) => i % 4 === 1));
    const target = randomIds(1, 9)[0]!;
    const lk = new Lookup(target, ids[0]!, k, 3, tables[0]!.closest(target, k));
    for (let ask = lk.next(); ask.length; ask = lk.next()) {
      for (const c of ask) down.has(c.addr) ? lk.failed(c.id) : lk.answered(c.id, tables[c.addr]!.closest(target, k));
    }
    expect(lk.done).toBe(true);
    const truth = byDistance(
      ids.map((id, i) => ({ id, addr: i })).filter((c) => c.addr !== 0 && !down.has(c.addr)),
      target,
    ).slice(0, k);
    expect(lk.closest().map((c) => c.addr)).toEqual(truth.map((c) => c.addr));
  });
});

describe('kademlia: the discovery method on the simulator', () => {
  it(
    'static network, no churn, no loss: every node asks once and every request finds a verified provider',
    { timeout: 120_000 },
    () => {
      const sc = buildScenario({ nodes: 30, churn: 0, seed: 11, requests: 30, spanMs: 15_000 });
      const ids = Array.from({ length: 31 }, (_, i) => simIdentity(crypto, 11, i));
      const m = kademliaMethod();
      const r = runMethod(m, sc, crypto, ids, 11, { lossP: 0 });
      expect(new Set(sc.requests.map((q) => q.node)).size).toBe(30);
      expect(r.issued).toBe(30);
      expect(r.servable).toBe(30);
      expect(r.successes).toBe(30);
      expect(r.success).toBe(1);
      expect(m.stats.stores).toBeGreaterThan(0);
      expect(Object.keys(r.bytesByCategory).sort()).toEqual(['kn', 'ks', 'kv', 'sub']);
    },
  );

  it('same seed, same options: byte-identical JSON; another seed differs', { timeout: 120_000 }, () => {
    const o = {
      nodes: 16,
      churn: 0.2,
      seeds: 1,
      requests: 8,
      spanMs: 12_000,
      crypto,
      seed0: 3,
      methods: ['kademlia'] as const,
    };
    const a = JSON.stringify(runDiscoveryExperiment(o));
    expect(JSON.stringify(runDiscoveryExperiment(o))).toBe(a);
    expect(JSON.stringify(runDiscoveryExperiment({ ...o, seed0: 4 }))).not.toBe(a);
    expect(JSON.parse(a).methods.kademlia.ci.success.mean).toBeGreaterThan(0);
  });

  it('under heavy churn it degrades (RPC timeouts, failed requests) but runs to the end', { timeout: 180_000 }, () => {
    const nodes = 40;
    const ids = Array.from({ length: nodes + 1 }, (_, i) => simIdentity(crypto, 12, i));
    const calm = kademliaMethod();
    const r0 = runMethod(
      calm,
      buildScenario({ nodes, churn: 0, seed: 12, requests: 30, spanMs: 20_000 }),
      crypto,
      ids,
      12,
      {},
    );
    const churned = kademliaMethod();
    const r1 = runMethod(
      churned,
      buildScenario({ nodes, churn: 0.6, seed: 12, requests: 30, spanMs: 20_000 }),
      crypto,
      ids,
      12,
      {},
    );
    expect(r0.success).toBe(1);
    expect(r1.issued).toBeGreaterThan(10);
    expect(r1.success).toBeGreaterThan(0);
    expect(r1.success).toBeLessThan(r0.success);
    expect(churned.stats.timeouts / churned.stats.rpcs).toBeGreaterThan(
      calm.stats.timeouts / Math.max(1, calm.stats.rpcs),
    );
  });
});

describe('kademlia: a holder checks what it is asked to store', () => {
  it("a STORE with a tampered body or under another topic's key is refused; a valid one is kept and served; garbage gets no answer", () => {
    const n = 10;
    const sc = buildScenario({ nodes: n, churn: 0, seed: 13, requests: 1 });
    const ids = Array.from({ length: n + 1 }, (_, i) => simIdentity(crypto, 13, i));
    const world = new World(13, { lossP: 0 });
    const ctx: RunCtx = { world, sc, crypto, ids, byKey: new Map(), found: () => {} };
    kademliaMethod().addNodes(ctx);
    // Node n is a hand-driven peer: it sends raw RPCs to node 0 (the only other node online, so node 0
    // holds nothing but its own declaration) and records the replies.
    const replies = new Map<number, { type: number; args: readonly Uint8Array[] }>();
    let io: NodeIO | undefined;
    world.addNode((x) => {
      io = x;
      return {
        start() {
          for (const c of ['kn', 'ks', 'kv']) x.subscribe(`${c}/${n}`);
        },
        deliver(_now: number, _name: string, bytes: Uint8Array) {
          const h = decodeHeader(unpack(bytes)!)!;
          // Node 0 also asks this peer things (it is in its table now); only replies are recorded.
          if ([NODES, VALUES, STORED].includes(h.type)) replies.set(h.rpc, { type: h.type, args: h.args });
        },
        timeout() {},
        deadline: () => undefined,
      };
    });
    const me = { id: 123n, addr: n };
    const send = (t: number, cat: string, type: number, rpc: number, ...args: Uint8Array[]) =>
      world.at(t, () => io!.publish(`${cat}/0`, pack(...encodeHeader(type, rpc, me), ...args), false));
    const provider = 3;
    const cap = capabilityOf(provider);
    expect(cap.topic).not.toBe(capabilityOf(0).topic);
    const d = signDecl(crypto, ids[provider]!, 0, { kind: 'capability', ...cap, ttlMs: 86_400_000 });
    const birth = signBirth(crypto, ids[provider]!, 0);
    const key = idToBytes(topicKey(ctx, cap.topic));
    const otherKey = idToBytes(topicKey(ctx, capabilityOf(provider + 1).topic));
    const tampered = encodeBody({ kind: 'capability', tags: [...cap.tags], text: 'something else' });
    const find = [key, utf8(cap.tags.join('\n'))];
    world.at(0, () => world.join(0));
    world.at(0, () => world.join(n));
    send(1000, 'kv', FIND_VALUE, 1, ...find);
    send(1100, 'ks', STORE, 2, key, birth, d.entry, tampered);
    send(1200, 'ks', STORE, 3, otherKey, birth, d.entry, d.body);
    send(1300, 'kv', 99, 4, new Uint8Array(3));
    send(1400, 'kv', FIND_VALUE, 5, key, new Uint8Array(0), new Uint8Array(0));
    send(2000, 'kv', FIND_VALUE, 6, ...find);
    send(3000, 'ks', STORE, 7, key, birth, d.entry, d.body);
    send(4000, 'kv', FIND_VALUE, 8, ...find);
    world.run(6000);
    expect(replies.get(1)?.type).toBe(NODES);
    for (const rpc of [2, 3, 4, 5]) expect(replies.has(rpc)).toBe(false);
    expect(replies.get(6)?.type).toBe(NODES);
    expect(replies.get(7)?.type).toBe(STORED);
    const v = replies.get(8)!;
    expect(v.type).toBe(VALUES);
    expect(v.args).toEqual([birth, d.entry, d.body]);
  });
});
