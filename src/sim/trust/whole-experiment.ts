// The whole-node MG-EigenTrust experiment (docs/trust.md "Whole nodes"): every method over the same seeds on
// simulated NodeCores (./whole.ts), mean and 95% confidence interval per metric, next to the global-ledger
// experiment (./run.ts) of the same scenario and seeds.
import type { CryptoPort } from '../../core/base/ports.js';
import { experimentParams, meanCi, scenarioOf, type TrustExperimentOptions } from './index.js';
import { METHODS, runOnce, type Method } from './run.js';
import { runWhole, type WholeMetrics } from './whole.js';
import { PAPER_TOPICS } from './world.js';

export const WHOLE_METRICS = [
  'attackSuccess',
  'attackerRoi',
  'detectionRate',
  'falsePositiveRate',
  'coldStart',
  'entriesSentPerNodeEpoch',
  'entriesReceivedPerNodeEpoch',
  'bytesSentPerNodeEpoch',
  'bytesReceivedPerNodeEpoch',
  'totalBytesPerNodeEpoch',
  'spearmanPeersWarm',
  'spearmanPeersEnd',
  'spearmanGlobalWarm',
  'spearmanGlobalEnd',
  'differs',
  'globalAttackSuccess',
] as const;
export type WholeMetric = (typeof WHOLE_METRICS)[number];
export type WholeMethodResult = Record<WholeMetric, number> & {
  ci: Record<WholeMetric, [number, number]>;
  /** Attack success per epoch, mean over seeds: whole nodes, and the global-ledger experiment. */
  perEpoch: { whole: (number | null)[]; global: (number | null)[] };
  /** Wall-clock seconds of this method's whole-node runs (all seeds). */
  seconds: number;
  /** Attack success of each seed, whole nodes and global ledger (so runs of other seeds can be pooled). */
  perSeed: { seed: number; whole: number; global: number }[];
};
export interface WholeTrustResult {
  params: Record<string, unknown>;
  methods: Partial<Record<Method, WholeMethodResult>>;
}

export interface WholeTrustOptions extends TrustExperimentOptions {
  /** Real Ed25519 and SHA-256 (the runtime's port); verifications are memoised across the simulated nodes. */
  crypto: CryptoPort;
  /** A wall clock (ms) for the reported run time; the results never depend on it. */
  clock?: () => number;
}

function scored(r: WholeMetrics): Record<Exclude<WholeMetric, 'globalAttackSuccess'>, number> {
  return {
    attackSuccess: r.queries > 0 ? r.hits / r.queries : 0,
    attackerRoi: r.capital > 0 ? (r.gain - r.lost) / r.capital : 0,
    detectionRate: r.harmful > 0 ? r.harmfulFlagged / r.harmful : NaN,
    falsePositiveRate: r.honest > 0 ? r.honestFlagged / r.honest : 0,
    coldStart: r.coldStart,
    entriesSentPerNodeEpoch: r.entriesSentPerNodeEpoch,
    entriesReceivedPerNodeEpoch: r.entriesReceivedPerNodeEpoch,
    bytesSentPerNodeEpoch: r.bytesSentPerNodeEpoch,
    bytesReceivedPerNodeEpoch: r.bytesReceivedPerNodeEpoch,
    totalBytesPerNodeEpoch: r.totalBytesPerNodeEpoch,
    spearmanPeersWarm: r.spearmanPeersWarm,
    spearmanPeersEnd: r.spearmanPeersEnd,
    spearmanGlobalWarm: r.spearmanGlobalWarm,
    spearmanGlobalEnd: r.spearmanGlobalEnd,
    differs: r.differs,
  };
}

/** Mean per epoch over seeds of the finite values (null where no seed has one). */
function meanRows(rows: number[][], epochs: number): (number | null)[] {
  return Array.from({ length: epochs }, (_, e) => {
    const v = rows.map((r) => r[e] as number).filter(Number.isFinite);
    return v.length ? v.reduce((a, b) => a + b, 0) / v.length : null;
  });
}

export function runWholeTrustExperiment(opts: WholeTrustOptions): WholeTrustResult {
  const sc = scenarioOf(opts);
  const first = opts.firstSeed ?? 1;
  if (opts.methods?.some((m) => !METHODS.includes(m)))
    throw new RangeError(`methods: unknown in ${opts.methods.join(',')}`);
  const run = METHODS.filter((m) => !opts.methods || opts.methods.includes(m));
  const clock = opts.clock ?? (() => 0);
  const total = opts.seeds * run.length;
  let done = 0;
  const methods: WholeTrustResult['methods'] = {};
  for (const method of run) {
    const per: Record<WholeMetric, number>[] = [];
    const wholeRows: number[][] = [];
    const globalRows: number[][] = [];
    let ms = 0;
    for (let s = 0; s < opts.seeds; s++) {
      const seed = first + s;
      const t0 = clock();
      const w = runWhole(sc, PAPER_TOPICS, method, seed, opts.iterate, opts.crypto);
      ms += clock() - t0;
      const g: number[] = [];
      const gm = runOnce(sc, PAPER_TOPICS, method, seed, opts.iterate, undefined, undefined, (e, q, h) => {
        g[e] = q > 0 ? h / q : NaN;
      });
      per.push({ ...scored(w), globalAttackSuccess: gm.queries > 0 ? gm.hits / gm.queries : 0 });
      wholeRows.push(w.perEpoch);
      globalRows.push(g);
      opts.onProgress?.(++done, total);
    }
    const out = {} as WholeMethodResult;
    const ci = {} as WholeMethodResult['ci'];
    for (const k of WHOLE_METRICS) {
      // Undefined for every seed (a view metric of random choice, which keeps no trust): NaN, null in the JSON.
      const xs = per.map((x) => x[k]);
      const r = xs.some(Number.isFinite) ? meanCi(xs) : { mean: NaN, ci: [NaN, NaN] as [number, number] };
      out[k] = r.mean;
      ci[k] = r.ci;
    }
    out.ci = ci;
    out.perEpoch = { whole: meanRows(wholeRows, sc.epochs), global: meanRows(globalRows, sc.epochs) };
    out.seconds = ms / 1000;
    out.perSeed = per.map((x, s) => ({ seed: first + s, whole: x.attackSuccess, global: x.globalAttackSuccess }));
    methods[method] = out;
  }
  return {
    params: { ...experimentParams(sc, opts.seeds, first), mode: 'whole-nodes' },
    methods,
  };
}

export function formatWholeTable(r: WholeTrustResult): string {
  const p = r.params;
  const head = p.threat
    ? `whole nodes, threat model ${String(p.threat)}`
    : `whole nodes, cross-topic disguise: ${String(p.fromTopic)} -> ${String(p.toTopic)}`;
  const f = (x: number) => (Number.isFinite(x) ? (Math.abs(x) >= 100 ? x.toFixed(0) : x.toFixed(4)) : '  -   ');
  const lines = [
    `${head}; nodes ${String(p.nodes)}, attackers ${String(p.attackers)}, spies ${String(p.spies)}, ` +
      `epochs ${String(p.epochs)}, queries/topic ${String(p.queriesPerTopic)}, seeds ${String(p.seeds)}`,
    'method          attack   [95% CI]          global   detect   FPR      coldStart  ent/node/ep  B/node/ep  rho peers  rho global  differs',
  ];
  for (const m of METHODS) {
    const x = r.methods[m];
    if (!x) continue;
    const ci = `[${f(x.ci.attackSuccess[0])}, ${f(x.ci.attackSuccess[1])}]`;
    const exchange = `${x.entriesSentPerNodeEpoch.toFixed(1).padStart(9)}  ${x.bytesSentPerNodeEpoch.toFixed(0).padStart(9)}`;
    lines.push(
      `${m.padEnd(15)} ${f(x.attackSuccess)}  ${ci.padEnd(17)} ${f(x.globalAttackSuccess)}   ${f(x.detectionRate)}   ` +
        `${f(x.falsePositiveRate)}   ${f(x.coldStart)}     ${exchange}  ${f(x.spearmanPeersEnd)}     ` +
        `${f(x.spearmanGlobalEnd)}      ${f(x.differs)}`,
    );
  }
  return lines.join('\n');
}
