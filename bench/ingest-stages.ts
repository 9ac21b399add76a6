// Splits an observer's V8 CPU profile (`--cpu-prof`, bench/ingest.ts --profile-stages) into receive-path
// stages: each sample is charged to the innermost frame of its stack that names a stage (rules below,
// by function name and script URL of the bundle), so SQLite's native calls land in `store` through the
// store method that made them, and a SHA-256 inside verification in `verify`. Approximate by design: it
// names where the time goes, the CPU totals come from /proc.

import { readFileSync } from 'node:fs';

export type Stage = 'transport' | 'decode' | 'verify' | 'store' | 'events' | 'gc' | 'native' | 'other';
export type Stages = Record<Stage, number> & { readonly sampledMs: number };

interface ProfileNode {
  readonly id: number;
  readonly callFrame: { readonly functionName: string; readonly url: string };
  readonly children?: readonly number[];
}
interface CpuProfile {
  readonly nodes: readonly ProfileNode[];
  readonly samples: readonly number[];
  readonly timeDeltas: readonly number[];
}

const RULES: ReadonlyArray<readonly [Stage, RegExp]> = [
  ['verify', /verify|ed25519|sha256|sha512|digest|hash|batch|wasm-function|scalarMul|pointFrom/i],
  ['decode', /decode|cbor|readObject|asMap|readItem|readHead|parseSign1|Sign1/i],
  [
    'store',
    /sqlite|^(append|head|guard|putBody|getBody|transaction|range|live|unexpired|logs|entryCount|prune|get|run|all)$/i,
  ],
  ['events', /event|hub|sse|broadcast|pollEvent|deliver/i],
  ['transport', /mqtt|packet|parser|socket|onStreamRead|writev?Generic|_write|handleMessage|onread|publish|subscribe/i],
];

function stageOf(f: ProfileNode['callFrame']): Stage | 'idle' | undefined {
  if (f.functionName === '(idle)') return 'idle';
  // V8's "(program)": native work outside any JavaScript frame (libuv callbacks, the addon's own threads
  // are not sampled at all); kept apart, since no stage can be told from it.
  if (f.functionName === '(program)') return 'native';
  if (f.functionName === '(garbage collector)') return 'gc';
  if (f.url.startsWith('wasm://')) return 'verify';
  if (f.url.includes('better-sqlite3')) return 'store';
  if (f.url.includes('mqtt') || f.url.startsWith('node:net') || f.url.startsWith('node:internal/stream'))
    return 'transport';
  for (const [s, re] of RULES) if (re.test(f.functionName)) return s;
  return undefined;
}

/** ms of on-CPU samples per stage (idle left out), and their sum. */
export function splitStages(file: string): Stages {
  const p = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of p.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const memo = new Map<number, Stage | 'idle'>();
  const classify = (id: number): Stage | 'idle' => {
    const have = memo.get(id);
    if (have) return have;
    const s = stageOf(byId.get(id)!.callFrame);
    const up = parent.get(id);
    const out = s ?? (up === undefined ? 'other' : classify(up));
    memo.set(id, out);
    return out;
  };
  const us: Record<string, number> = {
    transport: 0,
    decode: 0,
    verify: 0,
    store: 0,
    events: 0,
    gc: 0,
    native: 0,
    other: 0,
  };
  for (let i = 0; i < p.samples.length; i++) {
    const s = classify(p.samples[i]!);
    if (s !== 'idle') us[s] = (us[s] ?? 0) + (p.timeDeltas[i + 1] ?? 0);
  }
  const ms = Object.fromEntries(Object.entries(us).map(([k, v]) => [k, +(v / 1000).toFixed(1)])) as Record<
    Stage,
    number
  >;
  return { ...ms, sampledMs: +(Object.values(us).reduce((a, b) => a + b, 0) / 1000).toFixed(1) };
}
