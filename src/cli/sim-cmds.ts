// `agentnet sim trust` (the paper's cross-topic disguise collusion experiment, docs/trust.md) and
// `agentnet bench trust` (WASM EigenTrust kernel vs the TypeScript reference in the same run).

import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { benchTrust, formatTrustBench } from '../bench/trust.js';
import {
  formatTrustTable,
  METHODS,
  PAPER_TOPICS,
  runTrustExperiment,
  type Method,
  type TrustExperimentOptions,
} from '../sim/trust/index.js';
import { formatWholeTable, runWholeTrustExperiment, type WholeTrustResult } from '../sim/trust/whole-experiment.js';
import { loadEigenTrust } from '../runtime/wasm/eigentrust.js';
import { formatDiscoveryTable, METHOD_NAMES, runDiscoveryExperiment, type MethodName } from '../sim/discovery/index.js';
import { formatScaleReport, runScaleExperiment } from '../sim/discovery/scale.js';
import { makeCryptoPort } from '../runtime/crypto-port.js';
import { defaultVerifier } from '../runtime/verifier.js';
import { intFlag, UsageError } from './args.js';
import { barChart, cdfChart, lineChart, stack } from '../runtime/plot/svg.js';
import { createProgress, type Progress } from './progress.js';

const TRUST_HELP = `Usage: agentnet sim trust [--seeds 30] [--attackers F] [--spies F] [--from-topic T] [--to-topic T]
                        [--threat A|B|C|D] [--camouflage P] [--nodes 100] [--epochs 50] [--queries 50]
                        [--spies-in-target] [--methods m1,m2] [--first-seed 1] [--whole-nodes] [--json FILE]
                        [--plot FILE.svg]

The paper's experiment with agentnet's trust code: 100 nodes, 5 topics, 50 epochs, 50 queries per topic per
epoch, 8 candidates per query, warm-up then attack; attackers build trust in --from-topic (default
code_generation) and migrate to --to-topic (default code_review_security), helped by spy/bridge nodes and Sybil
whitewashing. Methods: random, flat, perTopic, mg and the ablations mg-noSlash, mg-noGate, mg-noSemantic; mean
and 95% CI over seeds. --attackers/--spies take a fraction of the nodes (0.2) or a count (20).
--threat runs the classic EigenTrust threat models instead (A individuals, B collectives, C camouflage, D spies)
and reports failed transactions. --plot FILE.svg: attack success per method, and the attackers' trust mass in
the target topic per epoch.
--whole-nodes runs the same scenario on simulated NodeCores (docs/trust.md "Whole nodes"): every query is a real
task (post, bids, award by the requester's own trust view, delivery by hash, rating, co-signed receipt published
in the topic log), every node keeps its own trust and exchanges reputation deltas; real signatures, virtual time.
It reports the global-ledger experiment of the same seeds beside it, and the divergence of the nodes' views
(Spearman); --plot draws attack success per epoch, global model vs whole nodes. Default seeds there: 10.
--first-seed N: seeds N .. N+seeds-1 (default 1); --queries: queries per topic per epoch;
--methods: a subset of random,flat,perTopic,mg,mg-noSlash,mg-noGate,mg-noSemantic.
Exit codes: 0 done, 2 usage error, 3 runtime failure.
Example: agentnet sim trust --seeds 30 --json trust.json --plot trust.svg`;

function share(v: string | undefined, name: string, nodes: number): number | undefined {
  if (v === undefined) return undefined;
  const x = Number(v);
  if (!Number.isFinite(x) || x < 0) throw new UsageError(`--${name} must be a fraction (0.2) or a count (20)`);
  return x < 1 ? Math.round(x * nodes) : Math.round(x);
}

const DISCOVERY_HELP = `Usage: agentnet sim discovery [--nodes 200] [--churn 0.2] [--seeds 10] [--seed0 1] [--methods LIST] [--no-wills] [--json FILE]
       agentnet sim scale [--nodes 10000] [--seed 1] [--json FILE]

discovery: the paper's discovery experiment in the deterministic simulator, with the daemon's own AgentCore
and real cryptography, against full-body broadcast, a central registry and a Kademlia DHT (docs/simulator.md):
success, bytes per request and latency (p50, p95), means over seeds with 95% confidence intervals.
--methods: a comma-separated subset of bodyless,broadcast,registry,kademlia (default: all four).
Bodyless nodes leave their signed death as an MQTT Will (30 s delay, as the daemon does) and those bytes
are counted; --no-wills leaves them out (the baselines model no liveness).
scale: header coverage, body duplicates, header size, gap repair under 30% loss, and fork-proof
propagation (a restored author without a continuation record forks; heartbeat rounds until 99% of
online nodes quarantined it, at min(nodes, 1000) nodes) at large node counts.
The same seed gives byte-identical JSON. --plot FILE.svg (discovery) writes the latency CDF per method.
Exit codes: 0 done, 2 usage error, 3 runtime failure.
Examples: agentnet sim discovery --nodes 200 --churn 0.2 --seeds 10 --json d.json --plot d.svg
          agentnet sim scale --nodes 10000 --json scale.json`;

export const SIM_HELP = `Usage: agentnet sim discovery|scale|trust [options]

  discovery  the paper's discovery experiment: bodyless gossip vs broadcast, a registry and a Kademlia DHT
  scale      header coverage, duplicates, gap repair and fork proofs at large node counts
  trust      the paper's cross-topic disguise collusion attack: MG-EigenTrust vs its baselines
'agentnet sim <what> --help' shows its options.
Exit codes: 0 done, 2 usage error (no or unknown experiment), 3 runtime failure.
Example: agentnet sim discovery --nodes 200 --seeds 10 --json d.json`;

async function cmdSimDiscovery(what: 'discovery' | 'scale', argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      nodes: { type: 'string' },
      churn: { type: 'string' },
      seeds: { type: 'string' },
      seed0: { type: 'string' },
      seed: { type: 'string' },
      methods: { type: 'string' },
      json: { type: 'string' },
      plot: { type: 'string' },
      'no-wills': { type: 'boolean' },
      help: { type: 'boolean' },
    },
  });
  if (values.help) {
    console.log(DISCOVERY_HELP);
    return 0;
  }
  const crypto = makeCryptoPort(defaultVerifier());
  let result: unknown;
  if (what === 'discovery') {
    const churn = values.churn === undefined ? 0.2 : Number(values.churn);
    if (!(churn >= 0 && churn < 1)) throw new UsageError('--churn must be in [0, 1)');
    let bar: Progress | undefined;
    let ticked = 0;
    const latencies = new Map<string, number[]>();
    const methods = values.methods?.split(',').map((m) => m.trim());
    for (const m of methods ?? [])
      if (!(METHOD_NAMES as readonly string[]).includes(m))
        throw new UsageError(`--methods: unknown method ${m} (${METHOD_NAMES.join(', ')})`);
    const r = runDiscoveryExperiment({
      ...(methods ? { methods: methods as MethodName[] } : {}),
      onLatencies: (m, _seed, xs) => latencies.set(m, [...(latencies.get(m) ?? []), ...xs]),
      nodes: intFlag(values.nodes, 'nodes', 200, 10, 20_000),
      churn,
      seeds: intFlag(values.seeds, 'seeds', 10, 1, 100),
      seed0: intFlag(values.seed0, 'seed0', 1, 0, 2 ** 31),
      crypto,
      wills: !values['no-wills'],
      onProgress: (d, t) => {
        bar ??= createProgress(t, 'sim discovery');
        bar.tick(undefined, d - ticked);
        ticked = d;
      },
    });
    bar?.done();
    console.log(formatDiscoveryTable(r));
    result = r;
    if (values.plot) {
      // Latency CDF per method over all seeds' successful requests (broadcast answers from its flood: 0 ms).
      const series = [...latencies]
        .filter(([, xs]) => xs.length > 0)
        .map(([name, xs]) => ({ name, samples: xs.map((x) => Math.max(x, 1)) }));
      writeFileSync(
        values.plot,
        cdfChart({
          title: `Discovery latency, ${r.params.nodes} nodes, churn ${r.params.churn}`,
          xLabel: 'ms from intent to verified match (log)',
          series,
          xLog: true,
        }),
      );
    }
  } else {
    const r = runScaleExperiment({
      nodes: intFlag(values.nodes, 'nodes', 10_000, 10, 100_000),
      seed: intFlag(values.seed, 'seed', 1, 0, 2 ** 31),
      crypto,
      clock: Date.now,
      onProgress: (m) => process.stderr.isTTY && process.stderr.write(`${m}\n`),
    });
    console.log(formatScaleReport(r));
    result = r;
  }
  if (values.json) writeFileSync(values.json, JSON.stringify(result, null, 2) + '\n');
  return 0;
}

export async function cmdSim(argv: string[]): Promise<number> {
  const [what, ...rest] = argv;
  if (what === 'discovery' || what === 'scale') return cmdSimDiscovery(what, rest);
  if (what !== 'trust') {
    if (what === '--help' || what === '-h') {
      console.log(SIM_HELP);
      return 0;
    }
    console.error(
      what === undefined ? SIM_HELP : `agentnet sim: unknown experiment ${JSON.stringify(what)}\n\n${SIM_HELP}`,
    );
    return 2;
  }
  const { values } = parseArgs({
    args: rest,
    options: {
      seeds: { type: 'string' },
      attackers: { type: 'string' },
      spies: { type: 'string' },
      'from-topic': { type: 'string' },
      'to-topic': { type: 'string' },
      threat: { type: 'string' },
      camouflage: { type: 'string' },
      nodes: { type: 'string' },
      epochs: { type: 'string' },
      'spies-in-target': { type: 'boolean' },
      queries: { type: 'string' },
      methods: { type: 'string' },
      'whole-nodes': { type: 'boolean' },
      'first-seed': { type: 'string' },
      json: { type: 'string' },
      plot: { type: 'string' },
      help: { type: 'boolean' },
    },
  });
  if (values.help) {
    console.log(TRUST_HELP);
    return 0;
  }
  const nodes = intFlag(values.nodes, 'nodes', 100, 20, 100_000);
  const names = PAPER_TOPICS.map((t) => t.name);
  for (const t of [values['from-topic'], values['to-topic']])
    if (t !== undefined && !names.includes(t)) throw new UsageError(`topics are ${names.join(', ')}`);
  if (values.threat !== undefined && !['A', 'B', 'C', 'D'].includes(values.threat))
    throw new UsageError('--threat must be A, B, C or D');
  const attackers = share(values.attackers, 'attackers', nodes);
  const spies = share(values.spies, 'spies', nodes);
  const camouflage = values.camouflage === undefined ? undefined : Number(values.camouflage);
  if (camouflage !== undefined && !(camouflage >= 0 && camouflage <= 1))
    throw new UsageError('--camouflage must be in 0..1');
  let bar: Progress | undefined;
  let ticked = 0;
  // Attackers' trust mass in the target topic per epoch, summed over seeds then averaged (for --plot).
  const mass = new Map<string, Array<{ sum: number; n: number }>>();
  const addMass = (m: string, epoch: number, x: number) => {
    const row = mass.get(m) ?? [];
    row[epoch] = { sum: (row[epoch]?.sum ?? 0) + x, n: (row[epoch]?.n ?? 0) + 1 };
    mass.set(m, row);
  };
  const methods = values.methods?.split(',').map((m) => m.trim()) as Method[] | undefined;
  if (methods?.some((m) => !METHODS.includes(m)))
    throw new UsageError(`--methods: a comma-separated subset of ${METHODS.join(',')}`);
  const whole = values['whole-nodes'] === true;
  const opts: TrustExperimentOptions = {
    seeds: intFlag(values.seeds, 'seeds', whole ? 10 : 30, 1, 1000),
    iterate: loadEigenTrust(),
    nodes,
    onProgress: (d, t) => {
      bar ??= createProgress(t, 'sim trust');
      bar.tick(undefined, d - ticked);
      ticked = d;
    },
    ...(attackers !== undefined ? { attackers } : {}),
    ...(spies !== undefined ? { spies } : {}),
    ...(values['from-topic'] ? { fromTopic: values['from-topic'] } : {}),
    ...(values['to-topic'] ? { toTopic: values['to-topic'] } : {}),
    ...(values.threat ? { threat: values.threat as 'A' | 'B' | 'C' | 'D' } : {}),
    ...(camouflage !== undefined ? { camouflage } : {}),
    ...(values.epochs ? { epochs: intFlag(values.epochs, 'epochs', 50, 5, 1000) } : {}),
    ...(values['spies-in-target'] ? { spiesInTarget: true } : {}),
    ...(values.queries ? { queriesPerTopic: intFlag(values.queries, 'queries', 50, 1, 10_000) } : {}),
    ...(methods ? { methods } : {}),
    ...(values['first-seed'] ? { firstSeed: intFlag(values['first-seed'], 'first-seed', 1, 1, 1_000_000) } : {}),
    ...(values.plot && !whole
      ? { onAttackerMass: (m: string, _seed: number, epoch: number, mass: number) => addMass(m, epoch, mass) }
      : {}),
  };
  if (whole) {
    const w = runWholeTrustExperiment({
      ...opts,
      crypto: makeCryptoPort(defaultVerifier()),
      clock: () => performance.now(),
    });
    bar?.done();
    console.log(formatWholeTable(w));
    if (values.json) writeFileSync(values.json, JSON.stringify(w, null, 2) + '\n');
    if (values.plot) writeFileSync(values.plot, wholePlot(w));
    return 0;
  }
  const r = runTrustExperiment(opts);
  bar?.done();
  console.log(formatTrustTable(r));
  if (values.json) writeFileSync(values.json, JSON.stringify(r, null, 2) + '\n');
  if (values.plot) {
    const names = Object.keys(r.methods);
    const bars = barChart({
      title: 'Attack success per method (share of target-topic queries served by attackers)',
      yLabel: 'attack success',
      categories: names,
      series: [
        {
          name: 'attack success',
          values: names.map((n) => (r.methods as Record<string, { attackSuccess: number }>)[n]!.attackSuccess),
        },
      ],
      valueLabels: true,
    });
    const lines = lineChart({
      title: "Attackers' trust mass in the target topic per epoch (mean over seeds)",
      xLabel: 'epoch',
      yLabel: 'trust mass',
      series: [...mass].map(([name, row]) => ({
        name,
        points: row.flatMap((c, e) => (c ? [[e, c.sum / c.n] as [number, number]] : [])),
      })),
    });
    writeFileSync(values.plot, stack(mass.size ? [bars, lines] : [bars]));
  }
  return 0;
}

/** Attack success per method (whole nodes beside the global model), and per epoch for each method. */
export function wholePlot(w: WholeTrustResult): string {
  const names = Object.keys(w.methods) as Method[];
  const bars = barChart({
    title: 'Attack success: global-ledger model vs whole nodes (same seeds)',
    yLabel: 'attack success',
    categories: names,
    series: [
      { name: 'global model', values: names.map((n) => w.methods[n]!.globalAttackSuccess) },
      { name: 'whole nodes', values: names.map((n) => w.methods[n]!.attackSuccess) },
    ],
    valueLabels: true,
  });
  const points = (row: (number | null)[]) => row.flatMap((v, e) => (v === null ? [] : [[e, v] as [number, number]]));
  const lines = lineChart({
    title: 'Attack success per epoch, mean over seeds',
    xLabel: 'epoch',
    yLabel: 'attack success',
    // global first, as in the bars above, so that each gets the same colour in both charts
    series: names.flatMap((n) => [
      { name: `${n} global`, points: points(w.methods[n]!.perEpoch.global) },
      { name: `${n} whole`, points: points(w.methods[n]!.perEpoch.whole) },
    ]),
  });
  return stack([bars, lines]);
}

export async function cmdBenchTrust(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      sizes: { type: 'string' },
      rounds: { type: 'string' },
      json: { type: 'string' },
      help: { type: 'boolean' },
    },
  });
  if (values.help) {
    console.log(`Usage: agentnet bench trust [--sizes 1000,10000,100000] [--rounds 5] [--json FILE]

The MG-EigenTrust power iteration in the WASM kernel against the TypeScript reference, in the same run:
n nodes x 20 ratings per node x 5 topics; ms per iteration per topic, effective bytes moved per second, ratio.
Exit codes: 0 done, 2 usage error, 3 runtime failure (e.g. the WASM kernel does not load).
Example: agentnet bench trust --json bench-trust.json`);
    return 0;
  }
  const sizes = (values.sizes ?? '1000,10000,100000').split(',').map((x) => intFlag(x, 'sizes', 0, 10, 1_000_000));
  const r = benchTrust({ sizes, rounds: intFlag(values.rounds, 'rounds', 5, 3, 100) });
  console.log(formatTrustBench(r));
  if (values.json) writeFileSync(values.json, JSON.stringify(r, null, 2) + '\n');
  return 0;
}
