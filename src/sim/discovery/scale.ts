// Scale experiment (docs/simulator.md "Scale experiment"): the daemon's AgentCore on N simulated nodes over the hub, with real
// keys, signatures and hashes (memoized verification, docs/architecture.md §10).
//
// Part A, dissemination (no loss, no churn): every node follows the topic of its own slot (i mod 5);
// one node in 100 holds an intent for its topic's parent tag (so it pulls every capability body of the
// topic); then `publishers` nodes announce one capability each. Measured after the run settles:
//   header coverage     per capability header: share of the topic's followers whose log holds it;
//   body duplicates     body deliveries per interested node per body beyond the first;
//   header size         bytes of the signed entries (mean, min, max);
//   wall time           of the whole part (identities, starts, run).
// Part B, gap repair under loss: `repairNodes` nodes, 30% of broker → subscriber deliveries lost,
// every author appends `repairEntries` entries; the core's heartbeat (1 s) repeats changed frontiers for
// 2 rounds and re-reads the retained heads every 5 rounds (gossip/heartbeat.ts). Measured: logs
// converged, entries missing (any hole below a head counts), virtual time to converge.
// Part C, fork proofs (fork-part.ts): min(nodes, 1000) nodes, one author restored without a
// continuation record forks its log; time until 99% of online nodes quarantined it, in heartbeats.
// Part D, revocations (revocation-part.ts): min(nodes, 1000) nodes, an operator publishes a signed
// revocation through one node; time until 99% of online nodes refuse the key, late joiners, enforcement.

import type { CryptoPort } from '../../core/base/ports.js';
import { MemoryStore } from '../../core/log/memory-store.js';
import { NodeProc } from '../net/node-proc.js';
import { simIdentity, type SimIdentity } from '../net/identities.js';
import { sharedBindingDecoder } from '../net/intern.js';
import { memoizedCrypto } from '../net/memo-crypto.js';
import type { BindingDecoder } from '../../core/identity/binding.js';
import { Rng } from '../rng.js';
import { World } from '../net/world.js';
import { forkPart, type ForkResult } from './fork-part.js';
import { revocationPart, type RevocationPartResult } from './revocation-part.js';
import { TOPICS, capabilityOf } from './workload.js';

export interface ScaleOptions {
  readonly nodes: number;
  readonly crypto: CryptoPort;
  readonly seed?: number;
  readonly publishers?: number;
  readonly repairNodes?: number;
  readonly repairEntries?: number;
  readonly lossP?: number;
  /** Nodes of the fork-proof part (default min(nodes, 1000)); 0 skips it (repairNodes likewise). */
  readonly forkNodes?: number;
  /** Nodes of the revocation part (default min(nodes, 1000)); 0 skips it. */
  readonly revocationNodes?: number;
  /** Wall clock in ms, injected (src/sim reads no clock); default: none reported. */
  readonly clock?: () => number;
  readonly onProgress?: (msg: string) => void;
}

export interface ScaleResult {
  readonly params: Record<string, unknown>;
  readonly dissemination: {
    readonly headerCoverage: { readonly mean: number; readonly min: number };
    readonly bodyDuplicatesPerNodePerMessage: number;
    readonly bodiesPulled: number;
    readonly headerBytes: { readonly mean: number; readonly min: number; readonly max: number };
    readonly deliveries: number;
    readonly bytesTotal: number;
    readonly virtualMs: number;
    readonly wallMs?: number;
  };
  readonly repair: {
    readonly logs: number;
    readonly converged: number;
    readonly missingEntries: number;
    readonly convergedAtMs: number | null;
    readonly lost: number;
  } | null;
  readonly fork: ForkResult | null;
  readonly revocation: RevocationPartResult | null;
  readonly crypto: { readonly verified: number; readonly memoHits: number };
}

export function runScaleExperiment(o: ScaleOptions): ScaleResult {
  const seed = o.seed ?? 1;
  const { crypto, stats } = memoizedCrypto(o.crypto);
  const bindingDecoder = sharedBindingDecoder(crypto);
  const say = o.onProgress ?? (() => {});
  const t0 = o.clock?.();

  // ---------------------------------------------------------------- part A
  const n = o.nodes;
  const publishers = Math.min(o.publishers ?? 200, n);
  const world = new World(seed, { lossP: 0 });
  const stores: MemoryStore[] = [];
  const ids: SimIdentity[] = [];
  // Publishers and interested nodes: a seeded shuffle, so every topic gets its share of both.
  const order = new Rng(seed, { bits: 32 }).fork('scale').shuffle(Array.from({ length: n }, (_, i) => i));
  const interested = new Set(order.slice(0, Math.max(5, Math.floor(n / 100))));
  for (let i = 0; i < n; i++) {
    const id = simIdentity(crypto, seed, i);
    ids.push(id);
    const store = new MemoryStore();
    stores.push(store);
    const topic = TOPICS[i % TOPICS.length]!;
    world.addNode(
      (io) =>
        new NodeProc(
          io,
          { crypto, store, agentSecret: id.agentSecret, binding: id.binding, bindingDecoder },
          { onStart: (core) => core.follow(topic) },
        ),
    );
  }
  say(`scale: ${n} identities`);
  for (let i = 0; i < n; i++) world.join(i);
  world.run(5_000);
  say('scale: nodes started');
  // body deliveries per (node, body key), counted at the hub's delivery to the process
  const bodyDeliveries = new Map<string, number>();
  world.onDeliver = (j, name) => {
    if (name.startsWith('body/') || name.startsWith('direct/')) {
      if (!interested.has(j) || !name.startsWith('body/')) return;
      const k = `${j}/${name}`;
      bodyDeliveries.set(k, (bodyDeliveries.get(k) ?? 0) + 1);
    }
  };
  for (const i of interested) {
    const topic = TOPICS[i % TOPICS.length]!;
    const parent = capabilityOf(i % TOPICS.length)
      .tags[0]!.split('.')
      .slice(0, -1)
      .join('.');
    world.act(i, (p) =>
      (p as NodeProc).act(world.now, (c, now) =>
        c.announce(now, { kind: 'intent', topic, tags: [parent], text: `need ${topic}`, ttlMs: 3_600_000 }),
      ),
    );
  }
  world.run(10_000);
  const headerSizes: number[] = [];
  const pubs: number[] = [];
  for (let k = 0; k < publishers; k++) {
    const p = order[n - 1 - k]!;
    pubs.push(p);
    world.at(10_000 + k * 50, () =>
      world.act(p, (q) =>
        (q as NodeProc).act(world.now, (c, now) => {
          c.announce(now, { kind: 'capability', ...capabilityOf(p) });
          headerSizes.push(
            stores[p]!.head(ids[p]!.agentKey, capabilityOf(p).topic)
              ? stores[p]!.get(ids[p]!.agentKey, capabilityOf(p).topic, 0, 1)!.bytes.length
              : 0,
          );
        }),
      ),
    );
  }
  const endA = 10_000 + publishers * 50 + 30_000;
  world.run(endA);
  say('scale: dissemination done');
  const coverage: number[] = [];
  for (const p of pubs) {
    const topic = capabilityOf(p).topic;
    let have = 0;
    let followers = 0;
    for (let j = 0; j < n; j++) {
      if (j === p || TOPICS[j % TOPICS.length] !== topic) continue;
      followers++;
      if (stores[j]!.head(ids[p]!.agentKey, topic)) have++;
    }
    coverage.push(followers ? have / followers : 1);
  }
  let dup = 0;
  for (const c of bodyDeliveries.values()) dup += c - 1;
  let deliveries = 0;
  for (const v of world.delivered.values()) deliveries += v;
  const wallA = o.clock && t0 !== undefined ? o.clock() - t0 : undefined;

  // ---------------------------------------------------------------- part B
  const repairNodes = o.repairNodes ?? Math.min(n, 200);
  const repair =
    repairNodes > 0
      ? repairPart(crypto, seed, repairNodes, o.repairEntries ?? 10, o.lossP ?? 0.3, bindingDecoder)
      : null;
  say('scale: repair done');
  const forkNodes = o.forkNodes ?? Math.min(n, 1000);
  const fork = forkNodes > 0 ? forkPart(crypto, seed, forkNodes, 0.01, 1_000, bindingDecoder) : null;
  say('scale: fork proofs done');
  const revocationNodes = o.revocationNodes ?? Math.min(n, 1000);
  const revocation =
    revocationNodes > 0 ? revocationPart(crypto, seed, revocationNodes, 0.01, 1_000, bindingDecoder) : null;
  say('scale: revocations done');
  return {
    params: {
      nodes: n,
      seed,
      publishers,
      interested: interested.size,
      topics: [...TOPICS],
      repairNodes: o.repairNodes ?? Math.min(n, 200),
      repairEntries: o.repairEntries ?? 10,
      lossP: o.lossP ?? 0.3,
    },
    dissemination: {
      headerCoverage: { mean: coverage.reduce((a, b) => a + b, 0) / coverage.length, min: Math.min(...coverage) },
      bodyDuplicatesPerNodePerMessage: bodyDeliveries.size ? dup / bodyDeliveries.size : 0,
      bodiesPulled: bodyDeliveries.size,
      headerBytes: {
        mean: headerSizes.reduce((a, b) => a + b, 0) / headerSizes.length,
        min: Math.min(...headerSizes),
        max: Math.max(...headerSizes),
      },
      deliveries,
      bytesTotal: world.totalBytes(),
      virtualMs: endA,
      ...(wallA !== undefined ? { wallMs: Math.round(wallA) } : {}),
    },
    repair,
    fork,
    revocation,
    crypto: { verified: stats.verified, memoHits: stats.memoHits },
  };
}

function repairPart(
  crypto: CryptoPort,
  seed: number,
  n: number,
  entries: number,
  lossP: number,
  bindingDecoder: BindingDecoder,
): NonNullable<ScaleResult['repair']> {
  const topic = TOPICS[0];
  const world = new World(seed + 1_000_003, { lossP });
  const stores: MemoryStore[] = [];
  const ids: SimIdentity[] = [];
  const authors = Math.max(2, Math.floor(n / 10));
  for (let i = 0; i < n; i++) {
    const id = simIdentity(crypto, seed + 1_000_003, i);
    ids.push(id);
    const store = new MemoryStore();
    stores.push(store);
    world.addNode(
      (io) =>
        new NodeProc(
          io,
          {
            crypto,
            store,
            agentSecret: id.agentSecret,
            binding: id.binding,
            heartbeatMs: 1_000,
            resyncEvery: 5,
            bindingDecoder,
          },
          { onStart: (c) => c.follow(topic) },
        ),
    );
  }
  for (let i = 0; i < n; i++) world.join(i);
  world.run(5_000);
  for (let a = 0; a < authors; a++) {
    for (let k = 0; k < entries; k++) {
      world.at(5_000 + k * 1_000 + a * 7, () =>
        world.act(a, (p) =>
          (p as NodeProc).act(world.now, (c, now) =>
            c.announce(now, { kind: 'state', topic, tags: ['status'], text: `author ${a} entry ${k}` }),
          ),
        ),
      );
    }
  }
  const check = () => {
    let converged = 0;
    let missing = 0;
    let logs = 0;
    for (let j = 0; j < n; j++) {
      for (let a = 0; a < authors; a++) {
        if (a === j) continue;
        logs++;
        const got = stores[j]!.range(ids[a]!.agentKey, topic, 0, 1, entries).length;
        missing += entries - got;
        if (got === entries) converged++;
      }
    }
    return { logs, converged, missing };
  };
  let convergedAt: number | null = null;
  for (let t = 5_000 + entries * 1_000; t <= 5_000 + entries * 1_000 + 300_000; t += 5_000) {
    world.run(t);
    if (check().missing === 0) {
      convergedAt = t - (5_000 + entries * 1_000);
      break;
    }
  }
  const c = check();
  return {
    logs: c.logs,
    converged: c.converged,
    missingEntries: c.missing,
    convergedAtMs: convergedAt,
    lost: world.lost,
  };
}

const ms = (v: number | null) => (v === null ? 'never' : `${v} ms`);

export function formatScaleReport(r: ScaleResult): string {
  const d = r.dissemination;
  return [
    `scale: ${r.params.nodes} nodes, ${r.params.publishers} capability headers, ${r.params.interested} interested nodes (seed ${r.params.seed})`,
    `  header coverage: mean ${d.headerCoverage.mean.toFixed(4)}, min ${d.headerCoverage.min.toFixed(4)} of each topic's followers`,
    `  body duplicates per interested node per body: ${d.bodyDuplicatesPerNodePerMessage.toFixed(4)} (${d.bodiesPulled} bodies pulled)`,
    `  header size: mean ${d.headerBytes.mean.toFixed(1)} B (min ${d.headerBytes.min}, max ${d.headerBytes.max})`,
    `  ${d.deliveries} deliveries, ${(d.bytesTotal / 1e6).toFixed(2)} MB on all links, ${d.virtualMs / 1000} s virtual${d.wallMs !== undefined ? `, ${(d.wallMs / 1000).toFixed(1)} s wall` : ''}`,
    ...(r.repair
      ? [
          `gap repair: ${r.params.repairNodes} nodes, loss ${r.params.lossP}: ${r.repair.converged}/${r.repair.logs} logs converged, ${r.repair.missingEntries} entries missing, ` +
            `converged ${r.repair.convergedAtMs === null ? 'never (300 s)' : `${r.repair.convergedAtMs / 1000} s after the last append`}, ${r.repair.lost} deliveries lost`,
        ]
      : []),
    ...(r.fork
      ? [
          `fork proof: ${r.fork.nodes} nodes, heartbeat ${r.fork.heartbeatMs} ms, loss ${r.fork.lossP}: ${r.fork.reached}/${r.fork.online} online nodes quarantined the author; ` +
            `50% after ${ms(r.fork.p50Ms)}, 99% after ${ms(r.fork.p99Ms)} (${r.fork.roundsTo99 ?? '-'} heartbeat rounds), all after ${ms(r.fork.allMs)}; ` +
            `${r.fork.detectors} detectors, ${r.fork.publications} publications, ${(r.fork.fraudBytes / 1e3).toFixed(1)} kB on the fraud channel`,
        ]
      : []),
    ...(r.revocation
      ? [
          `revocation: ${r.revocation.nodes} nodes, heartbeat ${r.revocation.heartbeatMs} ms, loss ${r.revocation.lossP}: ${r.revocation.reached}/${r.revocation.online} online nodes refuse the key ` +
            `(${r.revocation.knewBinding} knew its binding, the rest keep it for later); 50% after ${ms(r.revocation.p50Ms)}, 99% after ${ms(r.revocation.p99Ms)}, all after ${ms(r.revocation.allMs)}; ` +
            `${r.revocation.lateReached}/${r.revocation.lateJoiners} late joiners had it within 5 s of coming back (${r.revocation.lateReachedByEnd} by the end); its next entry refused (revoked) by ${r.revocation.refusedRevoked}/${r.revocation.followers} followers, stored by ${r.revocation.storedAfter}; ` +
            `${r.revocation.publications} publications, ${(r.revocation.revocationBytes / 1e3).toFixed(1)} kB on the revocation channel`,
        ]
      : []),
    `signatures: ${r.crypto.verified} verified, ${r.crypto.memoHits} from the memo`,
  ].join('\n');
}
