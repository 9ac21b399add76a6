// The paper's discovery experiment (arXiv 2606.17368; docs/architecture.md §10): bodyless gossip with sequential
// logs against public broadcast, a central registry and a Kademlia DHT, on the same simulated network, the same churn
// and the same requests per seed. Definitions and the network model: docs/simulator.md.
//
// Seeds are seed0, seed0+1, ...; each seed builds one scenario (workload.ts) and runs every method on
// it. Results are means over seeds with 95% t-intervals. The result is plain JSON and, for the same
// options, byte-identical across runs (no wall clock, no Math.random, ordered maps).

import type { CryptoPort } from '../../core/base/ports.js';
import { memoizedCrypto } from '../net/memo-crypto.js';
import { simIdentity } from '../net/identities.js';
import { DEFAULT_NET, type NetParams } from '../net/links.js';
import { bodylessMethod, DAEMON_WILL_DELAY_MS, NODE_PARTS, type NodePart } from './bodyless.js';
import { broadcastMethod } from './broadcast.js';
import { kademliaMethod } from './kademlia/method.js';
import { registryMethod } from './registry.js';
import { runMethod, type Method, type SeedOutcome } from './runner.js';
import { meanCi, percentile, type Interval } from './stats.js';
import { buildScenario, TOPICS } from './workload.js';

export interface DiscoveryOptions {
  readonly nodes: number;
  /** Share of nodes offline at any time, [0, 1). */
  readonly churn: number;
  readonly seeds: number;
  readonly crypto: CryptoPort;
  readonly seed0?: number;
  readonly requests?: number;
  readonly deadlineMs?: number;
  readonly spanMs?: number;
  readonly net?: Partial<NetParams>;
  readonly methods?: readonly MethodName[];
  /** Bodyless nodes leave their signed death as an MQTT Will (default true; the baselines have no deaths). */
  readonly wills?: boolean;
  /** The node core's parts each bodyless node runs beside discovery (default all: the daemon's node). */
  readonly parts?: readonly NodePart[];
  readonly onProgress?: (done: number, total: number) => void;
  /** Receives each method's per-request latencies of each seed (for plots). */
  readonly onLatencies?: (method: string, seed: number, latenciesMs: readonly number[]) => void;
}

export interface MethodResult {
  readonly success: number;
  readonly bytesPerRequest: number;
  readonly p50Ms: number;
  readonly p95Ms: number;
  readonly ci: {
    readonly success: Interval;
    readonly bytesPerRequest: Interval;
    readonly p50Ms: Interval;
    readonly p95Ms: Interval;
  };
  /** Totals over seeds: requests issued, servable, abandoned, successes. */
  readonly requests: {
    readonly issued: number;
    readonly servable: number;
    readonly abandoned: number;
    readonly successes: number;
  };
  /** Mean bytes per request by category (hub topic prefix). */
  readonly bytesByCategory: Record<string, number>;
  readonly perSeed: ReadonlyArray<{
    readonly seed: number;
    readonly success: number;
    readonly bytesPerRequest: number;
    readonly p50Ms: number;
    readonly p95Ms: number;
  }>;
}

export interface DiscoveryResult {
  readonly params: Record<string, unknown>;
  readonly methods: Record<string, MethodResult>;
  readonly crypto: { readonly verified: number; readonly memoHits: number };
}

const METHODS: Record<MethodName, (willDelayMs: number | null, parts: readonly NodePart[]) => Method> = {
  bodyless: bodylessMethod,
  broadcast: broadcastMethod,
  registry: registryMethod,
  kademlia: () => kademliaMethod(),
};
export const METHOD_NAMES = ['bodyless', 'broadcast', 'registry', 'kademlia'] as const;
export type MethodName = (typeof METHOD_NAMES)[number];

export function runDiscoveryExperiment(o: DiscoveryOptions): DiscoveryResult {
  if (!Number.isInteger(o.seeds) || o.seeds < 1)
    throw new RangeError('runDiscoveryExperiment: seeds must be a positive integer');
  const seed0 = o.seed0 ?? 1;
  const names = o.methods ?? METHOD_NAMES;
  for (const n of names)
    if (!(METHOD_NAMES as readonly string[]).includes(n))
      throw new RangeError(`runDiscoveryExperiment: unknown method ${n} (${METHOD_NAMES.join(', ')})`);
  const { crypto, stats } = memoizedCrypto(o.crypto);
  const net = { ...DEFAULT_NET, ...o.net };
  const willDelayMs = o.wills === false ? null : DAEMON_WILL_DELAY_MS;
  const parts = o.parts ?? NODE_PARTS;
  for (const p of parts)
    if (!(NODE_PARTS as readonly string[]).includes(p))
      throw new RangeError(`runDiscoveryExperiment: unknown node part ${p} (${NODE_PARTS.join(', ')})`);
  const outcomes = new Map<string, Array<SeedOutcome & { seed: number }>>(names.map((n) => [n, []]));
  let done = 0;
  for (let s = 0; s < o.seeds; s++) {
    const seed = seed0 + s;
    const sc = buildScenario({
      nodes: o.nodes,
      churn: o.churn,
      seed,
      ...(o.requests !== undefined ? { requests: o.requests } : {}),
      ...(o.deadlineMs !== undefined ? { deadlineMs: o.deadlineMs } : {}),
      ...(o.spanMs !== undefined ? { spanMs: o.spanMs } : {}),
    });
    const ids = Array.from({ length: o.nodes + 1 }, (_, i) => simIdentity(crypto, seed, i));
    for (const n of names) {
      const out = runMethod(METHODS[n](willDelayMs, parts), sc, crypto, ids, seed, net);
      o.onLatencies?.(n, seed, out.latencies);
      outcomes.get(n)!.push({ seed, ...out });
      o.onProgress?.(++done, o.seeds * names.length);
    }
  }
  const methods: Record<string, MethodResult> = {};
  for (const [name, runs] of outcomes) {
    const perSeed = runs.map((r) => ({
      seed: r.seed,
      success: r.success,
      bytesPerRequest: r.bytesPerRequest,
      p50Ms: percentile(r.latencies, 50),
      p95Ms: percentile(r.latencies, 95),
    }));
    const ci = {
      success: meanCi(perSeed.map((r) => r.success)),
      bytesPerRequest: meanCi(perSeed.map((r) => r.bytesPerRequest)),
      p50Ms: meanCi(perSeed.map((r) => r.p50Ms).filter(Number.isFinite)),
      p95Ms: meanCi(perSeed.map((r) => r.p95Ms).filter(Number.isFinite)),
    };
    const cats: Record<string, number> = {};
    for (const r of runs)
      for (const [k, v] of Object.entries(r.bytesByCategory)) cats[k] = (cats[k] ?? 0) + v / r.issued / runs.length;
    methods[name] = {
      success: ci.success.mean,
      bytesPerRequest: ci.bytesPerRequest.mean,
      p50Ms: ci.p50Ms.mean,
      p95Ms: ci.p95Ms.mean,
      ci,
      requests: {
        issued: sum(runs, 'issued'),
        servable: sum(runs, 'servable'),
        abandoned: sum(runs, 'abandoned'),
        successes: sum(runs, 'successes'),
      },
      bytesByCategory: Object.fromEntries(Object.entries(cats).sort(([a], [b]) => (a < b ? -1 : 1))),
      perSeed,
    };
  }
  return {
    params: {
      nodes: o.nodes,
      churn: o.churn,
      seeds: o.seeds,
      seed0,
      topics: [...TOPICS],
      requestsPerSeed: o.requests ?? o.nodes,
      deadlineMs: o.deadlineMs ?? 10_000,
      spanMs: o.spanMs ?? 120_000,
      meanOfflineMs: 15_000,
      net,
      // bodyless only: its deaths (MQTT Wills) are counted in its bytes; null = Wills off (--no-wills)
      willDelayMs,
      // bodyless only: the node core's parts beside discovery (--parts)
      parts: [...parts],
    },
    methods,
    crypto: { verified: stats.verified, memoHits: stats.memoHits },
  };
}

const sum = (rs: readonly SeedOutcome[], k: 'issued' | 'servable' | 'abandoned' | 'successes') =>
  rs.reduce((a, r) => a + r[k], 0);

const kb = (b: number) => `${(b / 1e6).toFixed(3)} MB`;
const ms = (x: number) => (Number.isFinite(x) ? `${Math.round(x)} ms` : '-');
const pm = (i: Interval, f: (x: number) => string) =>
  Number.isFinite(i.mean) ? `${f(i.mean)} [${f(i.lo)}, ${f(i.hi)}]` : '-';

/** A fixed-width table: one line per method, means with 95% CIs. */
export function formatDiscoveryTable(r: DiscoveryResult): string {
  const p = r.params;
  const wills =
    typeof p.willDelayMs === 'number'
      ? `bodyless deaths (MQTT Wills, ${p.willDelayMs / 1000} s delay) counted`
      : 'no Wills';
  const head = `discovery: ${p.nodes} nodes, churn ${p.churn}, ${p.seeds} seed(s) from ${p.seed0}, ${p.requestsPerSeed} requests/seed, deadline ${p.deadlineMs} ms, ${wills}`;
  const rows = [['method', 'success [95% CI]', 'bytes/request [95% CI]', 'p50', 'p95 [95% CI]', 'scored/issued']];
  for (const [name, m] of Object.entries(r.methods)) {
    rows.push([
      name,
      pm(m.ci.success, (x) => x.toFixed(3)),
      pm(m.ci.bytesPerRequest, kb),
      ms(m.p50Ms),
      pm(m.ci.p95Ms, ms),
      `${m.requests.servable - m.requests.abandoned}/${m.requests.issued}`,
    ]);
  }
  const w = rows[0]!.map((_, c) => Math.max(...rows.map((row) => row[c]!.length)));
  const lines = rows.map((row) =>
    row
      .map((cell, c) => cell.padEnd(w[c]!))
      .join('  ')
      .trimEnd(),
  );
  const b = r.methods.bodyless;
  const bc = r.methods.broadcast;
  const ratio =
    b && bc ? `\nbodyless/broadcast bytes per request: ${(b.bytesPerRequest / bc.bytesPerRequest).toFixed(3)}` : '';
  const kad = r.methods.kademlia;
  const kadRatio =
    kad && bc ? `\nkademlia/broadcast bytes per request: ${(kad.bytesPerRequest / bc.bytesPerRequest).toFixed(3)}` : '';
  return `${head}\n${lines.join('\n')}${ratio}${kadRatio}\nsignatures: ${r.crypto.verified} verified, ${r.crypto.memoHits} answered from the memo\n`;
}
