// The MG-EigenTrust experiment (docs/architecture.md §7, §10; paper arXiv 2606.17368): every method over the same seeds, mean
// and 95% confidence interval per metric. See docs/trust.md for the model and every definition.
import type { PowerIterate } from '../../core/trust/types.js';
import { DEFAULT_TRUST_PARAMS } from '../../core/trust/params.js';
import { METHODS, runOnce, type Method, type RunMetrics } from './run.js';
import { PAPER_TOPICS, defaultScenario, type Scenario } from './world.js';

export { METHODS, type Method } from './run.js';
export { PAPER_TOPICS, defaultScenario, type Scenario } from './world.js';

export interface TrustExperimentOptions {
  seeds: number;
  attackers?: number;
  spies?: number;
  fromTopic?: string;
  toTopic?: string;
  threat?: 'A' | 'B' | 'C' | 'D';
  nodes?: number;
  epochs?: number;
  /** Queries per topic per epoch (default 50, the paper's). */
  queriesPerTopic?: number;
  /** Spies also praise attackers in the target topic (stronger than the paper's bridge nodes; default false). */
  spiesInTarget?: boolean;
  /** Threat C only: probability a camouflaged node delivers honestly. */
  camouflage?: number;
  /** First seed (seeds are firstSeed .. firstSeed + seeds − 1). */
  firstSeed?: number;
  /** Methods to run (default all, in METHODS order); the result holds only these. */
  methods?: readonly Method[];
  onProgress?: (done: number, total: number) => void;
  /** Observes the attackers' trust mass in the target topic after each epoch (for plots; read-only). */
  onAttackerMass?: (method: Method, seed: number, epoch: number, mass: number) => void;
  iterate: PowerIterate;
}

export const METRICS = [
  'attackSuccess',
  'attackerRoi',
  'detectionRate',
  'missRate',
  'falsePositiveRate',
  'entriesPerEpoch',
  'coldStart',
] as const;
export type Metric = (typeof METRICS)[number];
export type MethodResult = Record<Metric, number> & { ci: Record<Metric, [number, number]> };
export interface TrustResult {
  params: Record<string, unknown>;
  methods: Record<Method, MethodResult>;
}

/** Two-sided 97.5% Student-t quantiles for df = 1..30; the normal 1.96 beyond. */
const T975 = [
  12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179, 2.16, 2.145, 2.131, 2.12, 2.11,
  2.101, 2.093, 2.086, 2.08, 2.074, 2.069, 2.064, 2.06, 2.056, 2.052, 2.048, 2.045, 2.042,
];

/** Mean and 95% CI (Student-t interval) over the finite values (a run where a metric is undefined, e.g. detection
 * when no attacker identity did harm, is left out); no finite value gives 0 and [0, 0]. */
export function meanCi(xs: readonly number[]): { mean: number; ci: [number, number] } {
  const v = xs.filter((x) => Number.isFinite(x));
  if (v.length === 0) return { mean: 0, ci: [0, 0] };
  const mean = v.reduce((a, b) => a + b, 0) / v.length;
  if (v.length === 1) return { mean, ci: [mean, mean] };
  const sd = Math.sqrt(v.reduce((a, b) => a + (b - mean) ** 2, 0) / (v.length - 1));
  const h = (T975[v.length - 2] ?? 1.96) * (sd / Math.sqrt(v.length));
  return { mean, ci: [mean - h, mean + h] };
}

function metricsOf(r: RunMetrics): Record<Metric, number> {
  const detection = r.harmful > 0 ? r.harmfulFlagged / r.harmful : NaN; // undefined when no identity did harm
  return {
    attackSuccess: r.queries > 0 ? r.hits / r.queries : 0,
    attackerRoi: r.capital > 0 ? (r.gain - r.lost) / r.capital : 0,
    detectionRate: detection,
    missRate: Number.isFinite(detection) ? 1 - detection : NaN,
    falsePositiveRate: r.honest > 0 ? r.honestFlagged / r.honest : 0,
    entriesPerEpoch: r.entriesPerEpoch,
    coldStart: r.coldStart,
  };
}

export function scenarioOf(o: TrustExperimentOptions): Scenario {
  const ix = (name: string | undefined, dflt: number) => {
    if (name === undefined) return dflt;
    const k = PAPER_TOPICS.findIndex((t) => t.name === name);
    if (k < 0) throw new RangeError(`topic: unknown ${name}`);
    return k;
  };
  const fromTopic = ix(o.fromTopic, 0);
  const toTopic = ix(o.toTopic, 1);
  if (fromTopic === toTopic) throw new RangeError('toTopic: must differ from fromTopic');
  if (!Number.isInteger(o.seeds) || o.seeds < 1) throw new RangeError(`seeds: ${o.seeds} must be a positive integer`);
  const threat = o.threat;
  const spiesDefault = threat === undefined ? 5 : threat === 'D' ? 10 : 0;
  const epochs = o.epochs ?? 50;
  return defaultScenario({
    ...(o.nodes !== undefined ? { nodes: o.nodes } : {}),
    ...(o.attackers !== undefined ? { attackers: o.attackers } : {}),
    ...(o.queriesPerTopic !== undefined ? { queriesPerTopic: o.queriesPerTopic } : {}),
    spies: o.spies ?? spiesDefault,
    epochs,
    warmup: threat ? 0 : Math.max(1, Math.round(epochs * 0.3)),
    fromTopic,
    toTopic,
    threat,
    ...(o.camouflage !== undefined ? { camouflage: o.camouflage } : {}),
    ...(o.spiesInTarget !== undefined ? { spiesInTarget: o.spiesInTarget } : {}),
  });
}

/** The parameters a result file records: the scenario, the seeds, topic names and the trust parameters. */
export function experimentParams(sc: Scenario, seeds: number, first: number): Record<string, unknown> {
  return {
    ...sc,
    seeds,
    firstSeed: first,
    fromTopic: PAPER_TOPICS[sc.fromTopic]?.name,
    toTopic: PAPER_TOPICS[sc.toTopic]?.name,
    threat: sc.threat ?? null,
    topics: PAPER_TOPICS.map((t) => t.name),
    trust: DEFAULT_TRUST_PARAMS,
  };
}
export function runTrustExperiment(opts: TrustExperimentOptions): TrustResult {
  const sc = scenarioOf(opts);
  const first = opts.firstSeed ?? 1;
  const run = METHODS.filter((m) => !opts.methods || opts.methods.includes(m));
  if (opts.methods?.some((m) => !METHODS.includes(m)))
    throw new RangeError(`methods: unknown in ${opts.methods.join(',')}`);
  const total = opts.seeds * run.length;
  let done = 0;
  const methods = {} as Record<Method, MethodResult>;
  for (const method of run) {
    const per: Record<Metric, number>[] = [];
    for (let s = 0; s < opts.seeds; s++) {
      const seed = first + s;
      const onMass = opts.onAttackerMass
        ? (epoch: number, mass: number) => opts.onAttackerMass!(method, seed, epoch, mass)
        : undefined;
      per.push(metricsOf(runOnce(sc, PAPER_TOPICS, method, seed, opts.iterate, undefined, onMass)));
      opts.onProgress?.(++done, total);
    }
    const out = {} as MethodResult;
    const ci = {} as MethodResult['ci'];
    for (const k of METRICS) {
      const r = meanCi(per.map((x) => x[k]));
      out[k] = r.mean;
      ci[k] = r.ci;
    }
    out.ci = ci;
    methods[method] = out;
  }
  return {
    params: experimentParams(sc, opts.seeds, first),
    methods,
  };
}

const PAPER: Partial<Record<Method, string>> = {
  random: '0.2176',
  flat: '0.3759',
  perTopic: '0.2160',
  mg: '0.0291',
  'mg-noSlash': '0.333',
};

export function formatTrustTable(r: TrustResult): string {
  const p = r.params as Record<string, unknown>;
  const head = p.threat
    ? `threat model ${String(p.threat)} (Kamvar 2003): attack = fraction of failed transactions`
    : `cross-topic disguise: ${String(p.fromTopic)} -> ${String(p.toTopic)}`;
  const f = (x: number) => (Math.abs(x) >= 100 ? x.toFixed(0) : x.toFixed(4));
  const lines = [
    `${head}; nodes ${String(p.nodes)}, attackers ${String(p.attackers)}, spies ${String(p.spies)}, epochs ${String(p.epochs)}, seeds ${String(p.seeds)}`,
    'method          attack   [95% CI]          ROI      detect   miss     FPR      entries/ep  coldStart  paper attack',
  ];
  for (const m of METHODS) {
    const x = r.methods[m];
    if (!x) continue;
    const ci = `[${f(x.ci.attackSuccess[0])}, ${f(x.ci.attackSuccess[1])}]`;
    lines.push(
      `${m.padEnd(15)} ${f(x.attackSuccess)}  ${ci.padEnd(17)} ${f(x.attackerRoi).padStart(7)}  ${f(x.detectionRate)}   ${f(x.missRate)}   ${f(x.falsePositiveRate)}   ${x.entriesPerEpoch.toFixed(1).padStart(9)}  ${f(x.coldStart)}     ${PAPER[m] ?? ''}`,
    );
  }
  return lines.join('\n');
}
