// The discovery experiment's world, shared by every method so they face the same network, the same
// churn and the same requests (common random numbers: differences between methods are the methods').
//
// Agents: node i provides one capability in topic i mod 5 with skill variant ⌊i/5⌋ mod 2, tag
// `{base}.{variant}` (20 providers per (topic, variant) at 200 nodes).
// Churn c: each node alternates online and offline sessions with exponential durations; offline mean
// 15 s and online mean 15 s·(1−c)/c, so a share c of nodes is offline at any time (c = 0: always on).
// Requests: one per requester, spread evenly over [warmup, warmup + span] with ±25% jitter; at its time
// a request picks a random online node that has not asked yet, a topic other than its own, and either
// a variant tag (2/3) or the topic's parent tag (1/3), which every provider of the topic covers.
// A request is *servable* when at least one correct provider is online at its start, and *abandoned*
// when its requester goes offline before its deadline without having found one; both are reported.

import { Rng } from '../rng.js';

export const TOPICS = [
  'code_generation',
  'code_review_security',
  'devops_tool_execution',
  'data_analysis',
  'creative_writing',
] as const;
const BASES: Record<string, readonly [string, readonly [string, string]]> = {
  code_generation: ['code.generation', ['python', 'rust']],
  code_review_security: ['code.review.security', ['web', 'embedded']],
  devops_tool_execution: ['devops.exec', ['kubernetes', 'ansible']],
  data_analysis: ['data.analysis', ['sql', 'pandas']],
  creative_writing: ['writing.creative', ['fiction', 'copy']],
};

export interface Capability {
  readonly topic: string;
  readonly tags: readonly string[];
  readonly text: string;
}

export function capabilityOf(i: number): Capability {
  const topic = TOPICS[i % TOPICS.length]!;
  const [base, vs] = BASES[topic]!;
  const v = vs[Math.floor(i / TOPICS.length) % 2]!;
  return { topic, tags: [`${base}.${v}`], text: `agent ${i} offers ${topic.replace(/_/g, ' ')} (${v})` };
}

/** Does capability tag set `have` cover every wanted tag (same rule as core/gossip/match.ts)? */
export const covers = (have: readonly string[], want: readonly string[]) =>
  want.every((w) => have.some((h) => h === w || h.startsWith(w + '.')));

export interface Request {
  readonly id: number;
  readonly t: number;
  readonly node: number;
  readonly topic: string;
  readonly tags: readonly string[];
  readonly text: string;
  readonly providers: readonly number[];
}

export interface ScenarioParams {
  readonly nodes: number;
  readonly churn: number;
  readonly seed: number;
  /** Requests per run (default: one per node). */
  readonly requests?: number;
  readonly warmupMs?: number;
  readonly spanMs?: number;
  readonly deadlineMs?: number;
  readonly meanOfflineMs?: number;
}

export interface Scenario {
  readonly nodes: number;
  readonly deadlineMs: number;
  readonly endMs: number;
  /** Online intervals [from, to) per node; node `nodes` is the registry (used by that method only). */
  readonly sessions: ReadonlyArray<ReadonlyArray<readonly [number, number]>>;
  readonly requests: readonly Request[];
}

export function onlineAt(s: Scenario, node: number, t: number): boolean {
  return s.sessions[node]!.some(([a, b]) => a <= t && t < b);
}

export function buildScenario(p: ScenarioParams): Scenario {
  if (!(p.churn >= 0 && p.churn < 1)) throw new RangeError('buildScenario: churn must be in [0, 1)');
  if (!Number.isInteger(p.nodes) || p.nodes < 10) throw new RangeError('buildScenario: nodes must be an integer >= 10');
  const rng = new Rng(p.seed, { bits: 32 }).fork('workload');
  const warmup = p.warmupMs ?? 15_000;
  const span = p.spanMs ?? 120_000;
  const deadlineMs = p.deadlineMs ?? 10_000;
  const endMs = warmup + span + deadlineMs + 5_000;
  const off = p.meanOfflineMs ?? 15_000;
  const on = p.churn > 0 ? (off * (1 - p.churn)) / p.churn : Infinity;
  const sessions: Array<Array<[number, number]>> = [];
  const churnRng = rng.fork('churn');
  for (let i = 0; i <= p.nodes; i++) {
    const r = churnRng.fork(`${i}`);
    const list: Array<[number, number]> = [];
    let t = 0;
    let up = !r.chance(p.churn);
    // The first session starts mid-way (a stationary process), so no synchronised wave of departures.
    let first = true;
    while (t < endMs) {
      const d = up ? r.exp(on) : r.exp(off);
      const len = first ? d * r.next() : d;
      first = false;
      if (up) list.push([t, Math.min(endMs + 1, t + len)]);
      t += len;
      up = !up;
    }
    sessions.push(list);
  }
  const sc = { nodes: p.nodes, deadlineMs, endMs, sessions, requests: [] as Request[] };
  const n = p.requests ?? p.nodes;
  const reqRng = rng.fork('requests');
  const asked = new Set<number>();
  for (let k = 0; k < n; k++) {
    const t = Math.round(warmup + ((k + 0.5 + (reqRng.next() - 0.5) * 0.5) * span) / n);
    const cands: number[] = [];
    for (let i = 0; i < p.nodes; i++) if (!asked.has(i) && onlineAt(sc, i, t)) cands.push(i);
    if (!cands.length) continue;
    const node = cands[reqRng.int(cands.length)]!;
    asked.add(node);
    const own = capabilityOf(node).topic;
    const others = TOPICS.filter((x) => x !== own);
    const topic = others[reqRng.int(others.length)]!;
    const [base, vs] = BASES[topic]!;
    const tags = reqRng.next() < 2 / 3 ? [`${base}.${vs[reqRng.int(2)]!}`] : [base];
    const providers: number[] = [];
    for (let i = 0; i < p.nodes; i++) {
      const c = capabilityOf(i);
      if (c.topic === topic && covers(c.tags, tags)) providers.push(i);
    }
    sc.requests.push({ id: sc.requests.length, t, node, topic, tags, text: `need ${tags.join(' ')}`, providers });
  }
  return sc;
}
