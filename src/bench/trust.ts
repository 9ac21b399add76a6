// Bench: the multi-topic EigenTrust WASM kernel vs the TS reference, measured in the same run (docs/architecture.md §2 bench/).
// Workload: n nodes, `ratingsPerNode` distinct ratees per node drawn from a seeded PRNG, 5 topics, row-normalised;
// every call runs exactly `iters` iterations per topic (epsilon below reach) so both sides do the same work.
// Reported: ms per iteration per topic, and effective bytes moved per second, counting per iteration and topic
//   nnz·(4 col + 8 val + 16 y read/write)  +  n·(4 rowPtr + 8 t read + 8 y clear + 2·8 sums + 8 p + 8 y + 16 t r/w)
// (what a streaming implementation must touch; caches make the real traffic lower). The WASM time includes
// copying the matrices into linear memory on every call, since that is what a caller pays.
import { performance } from 'node:perf_hooks';
import { powerIterate } from '../core/trust/eigentrust.js';
import { createEigenTrust } from '../runtime/wasm/eigentrust.js';
import { Rng } from '../sim/rng.js';
import type { CsrMatrix, PowerIterate, PowerIterateInput } from '../core/trust/types.js';

export interface TrustBenchRow {
  n: number;
  topics: number;
  nnzPerTopic: number;
  iters: number;
  tsMsPerIter: number;
  wasmMsPerIter: number;
  tsBytesPerSec: number;
  wasmBytesPerSec: number;
  /** TS time / WASM time (> 1: the kernel is faster). */
  ratio: number;
  /** max |t_wasm − t_ts| over all entries, as a check that both did the same work. */
  maxAbsDiff: number;
}
export interface TrustBenchResult {
  rows: TrustBenchRow[];
  rounds: number;
  ratingsPerNode: number;
}

function randomCsr(rng: Rng, n: number, k: number): CsrMatrix {
  const per = Math.min(k, n - 1);
  const rowPtr = new Int32Array(n + 1);
  const colIdx = new Int32Array(n * per);
  const vals = new Float64Array(n * per);
  let e = 0;
  const seen = new Set<number>();
  for (let i = 0; i < n; i++) {
    seen.clear();
    let sum = 0;
    const row: number[] = [];
    while (row.length < per) {
      const j = rng.int(n);
      if (j === i || seen.has(j)) continue;
      seen.add(j);
      row.push(j);
    }
    row.sort((a, b) => a - b);
    const start = e;
    for (const j of row) {
      colIdx[e] = j;
      vals[e] = 1 + rng.next();
      sum += vals[e]!;
      e++;
    }
    for (let q = start; q < e; q++) vals[q] = vals[q]! / sum;
    rowPtr[i + 1] = e;
  }
  return { rowPtr, colIdx, vals };
}

function timeIt(
  f: PowerIterate,
  input: PowerIterateInput,
  rounds: number,
): { ms: number; out: ReturnType<PowerIterate> } {
  let out = f(input); // warm-up (JIT, page faults)
  let best = Infinity;
  for (let r = 0; r < rounds; r++) {
    const t0 = performance.now();
    out = f(input);
    best = Math.min(best, performance.now() - t0);
  }
  return { ms: best, out };
}

export function benchTrust(opts: {
  sizes: number[];
  rounds: number;
  iters?: number;
  ratingsPerNode?: number;
  topics?: number;
}): TrustBenchResult {
  const k = opts.ratingsPerNode ?? 20;
  const T = opts.topics ?? 5;
  const iters = opts.iters ?? 20;
  const rows: TrustBenchRow[] = [];
  for (const n of opts.sizes) {
    const rng = new Rng(0x7275737 + n);
    const topics = Array.from({ length: T }, () => ({ c: randomCsr(rng, n, k), p: new Float64Array(n).fill(1 / n) }));
    const input: PowerIterateInput = { n, topics, alpha: 0.15, epsilon: 1e-300, maxIter: iters };
    const nnz = topics[0]!.c.vals.length;
    const wasm = createEigenTrust({ nodes: n, topics: T, nnz: nnz * T });
    const ts = timeIt(powerIterate, input, opts.rounds);
    const wa = timeIt(wasm, input, opts.rounds);
    let maxAbsDiff = 0;
    ts.out.t.forEach((t, q) =>
      t.forEach((v, j) => {
        maxAbsDiff = Math.max(maxAbsDiff, Math.abs(v - wa.out.t[q]![j]!));
      }),
    );
    const bytes = nnz * 28 + n * 76;
    const per = iters * T;
    rows.push({
      n,
      topics: T,
      nnzPerTopic: nnz,
      iters,
      tsMsPerIter: ts.ms / per,
      wasmMsPerIter: wa.ms / per,
      tsBytesPerSec: (bytes * per) / (ts.ms / 1000),
      wasmBytesPerSec: (bytes * per) / (wa.ms / 1000),
      ratio: ts.ms / wa.ms,
      maxAbsDiff,
    });
  }
  return { rows, rounds: opts.rounds, ratingsPerNode: k };
}

export function formatTrustBench(r: TrustBenchResult): string {
  const gb = (x: number) => (x / 1e9).toFixed(2);
  const lines = [
    `EigenTrust power iteration, ${r.ratingsPerNode} ratings/node, best of ${r.rounds} rounds (WASM time includes copy-in)`,
    '       n  topics  iters  TS ms/iter  WASM ms/iter  TS GB/s  WASM GB/s  TS/WASM  max|Δt|',
  ];
  for (const x of r.rows) {
    lines.push(
      `${String(x.n).padStart(8)}  ${String(x.topics).padStart(6)}  ${String(x.iters).padStart(5)}  ${x.tsMsPerIter.toFixed(3).padStart(10)}  ${x.wasmMsPerIter.toFixed(3).padStart(12)}  ${gb(x.tsBytesPerSec).padStart(7)}  ${gb(x.wasmBytesPerSec).padStart(9)}  ${x.ratio.toFixed(2).padStart(7)}  ${x.maxAbsDiff.toExponential(1)}`,
    );
  }
  return lines.join('\n');
}
