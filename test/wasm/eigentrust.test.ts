// Kernel vs reference (docs/conventions.md §8, 9): the WASM power iteration must agree with the TS reference to 1e-12 on random
// and adversarial graphs: dangling rows, empty topics, a single node, disconnected components, sub-stochastic rows.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { powerIterate } from '../../src/core/trust/eigentrust.js';
import { bytesNeeded, createEigenTrust, loadEigenTrust, resolveKernelPath } from '../../src/runtime/wasm/eigentrust.js';
import type { CsrMatrix, PowerIterate, PowerIterateInput } from '../../src/core/trust/types.js';

/** Builds a row-normalised CSR from an edge list; rows with `scale[i]` < 1 are sub-stochastic; no edges = dangling. */
function csr(n: number, edges: [number, number, number][], scale: (i: number) => number = () => 1): CsrMatrix {
  const rows: Map<number, number>[] = Array.from({ length: n }, () => new Map());
  for (const [i, j, w] of edges) if (i !== j && w > 0) rows[i]!.set(j, (rows[i]!.get(j) ?? 0) + w);
  const rowPtr = new Int32Array(n + 1);
  const col: number[] = [];
  const val: number[] = [];
  rows.forEach((r, i) => {
    const sum = [...r.values()].reduce((a, b) => a + b, 0);
    for (const [j, w] of [...r.entries()].sort((a, b) => a[0] - b[0])) {
      col.push(j);
      val.push((w / sum) * scale(i));
    }
    rowPtr[i + 1] = col.length;
  });
  return { rowPtr, colIdx: Int32Array.from(col), vals: Float64Array.from(val) };
}
const uniform = (n: number) => new Float64Array(n).fill(n ? 1 / n : 0);

const graph = fc.integer({ min: 1, max: 40 }).chain((n) =>
  fc.record({
    n: fc.constant(n),
    topics: fc.array(
      fc.record({
        edges: fc.array(fc.tuple(fc.nat(n - 1), fc.nat(n - 1), fc.double({ min: 0, max: 5, noNaN: true })), {
          maxLength: n * 6,
        }),
        pw: fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { minLength: n, maxLength: n }),
        scale: fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { minLength: n, maxLength: n }),
      }),
      { minLength: 0, maxLength: 5 },
    ),
    alpha: fc.double({ min: 0, max: 1, noNaN: true }),
    maxIter: fc.integer({ min: 1, max: 200 }),
  }),
);

function toInput(g: {
  n: number;
  topics: { edges: [number, number, number][]; pw: number[]; scale: number[] }[];
  alpha: number;
  maxIter: number;
}): PowerIterateInput {
  return {
    n: g.n,
    alpha: g.alpha,
    epsilon: 1e-10,
    maxIter: g.maxIter,
    topics: g.topics.map((tp) => {
      const s = tp.pw.reduce((a, b) => a + b, 0);
      const p = s > 0 ? Float64Array.from(tp.pw, (x) => x / s) : uniform(g.n);
      return { c: csr(g.n, tp.edges, (i) => tp.scale[i] ?? 1), p };
    }),
  };
}

function agree(kernel: PowerIterate, input: PowerIterateInput): void {
  const a = powerIterate(input);
  const b = kernel(input);
  expect(b.iterations).toEqual(a.iterations);
  a.t.forEach((ta, k) => {
    const tb = b.t[k]!;
    expect(tb.length).toBe(ta.length);
    for (let j = 0; j < ta.length; j++) expect(Math.abs(tb[j]! - ta[j]!)).toBeLessThanOrEqual(1e-12);
    expect(Math.abs(b.residuals[k]! - a.residuals[k]!)).toBeLessThanOrEqual(1e-12);
  });
}

describe('eigentrust WASM kernel vs TS reference', () => {
  const kernel = loadEigenTrust({ nodes: 64, topics: 8, nnz: 2048 });

  it('agrees on random multi-topic graphs (dangling, sub-stochastic, empty topics) to 1e-12', () => {
    fc.assert(
      fc.property(graph, (g) => agree(kernel, toInput(g))),
      { numRuns: 300 },
    );
  });

  it('one node, disconnected components, all-dangling topic, no topics', () => {
    agree(kernel, { n: 1, alpha: 0.15, epsilon: 1e-12, maxIter: 50, topics: [{ c: csr(1, []), p: uniform(1) }] });
    const comp = csr(6, [
      [0, 1, 1],
      [1, 2, 1],
      [2, 0, 1],
      [3, 4, 1],
      [4, 5, 1],
      [5, 3, 1],
    ]);
    agree(kernel, {
      n: 6,
      alpha: 0.15,
      epsilon: 1e-12,
      maxIter: 500,
      topics: [
        { c: comp, p: Float64Array.from([1, 0, 0, 0, 0, 0]) },
        { c: csr(6, []), p: uniform(6) },
      ],
    });
    agree(kernel, { n: 5, alpha: 0.15, epsilon: 1e-9, maxIter: 10, topics: [] });
  });

  it('converges to the EigenTrust fixed point and keeps Σt = 1', () => {
    const c = csr(4, [
      [0, 1, 1],
      [1, 2, 1],
      [2, 0, 1],
      [2, 1, 1],
    ]); // node 3 dangling
    const p = uniform(4);
    const out = kernel({ n: 4, alpha: 0.15, epsilon: 1e-14, maxIter: 1000, topics: [{ c, p }] });
    const t = out.t[0]!;
    expect(t.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 12);
    // fixed point: t = 0.85·(Cᵀt + t_3·p) + 0.15·p
    const y = [0.5 * t[2]!, t[0]! + 0.5 * t[2]!, t[1]!, 0];
    for (let j = 0; j < 4; j++) expect(t[j]).toBeCloseTo(0.85 * (y[j]! + t[3]! * 0.25) + 0.15 * 0.25, 12);
    expect(out.residuals[0]).toBeLessThan(1e-14);
  });

  it('stops per topic: iteration counts differ by topic and respect maxIter', () => {
    const slow = csr(3, [
      [0, 1, 1],
      [1, 2, 1],
      [2, 0, 1],
    ]);
    const out = kernel({
      n: 3,
      alpha: 0.01,
      epsilon: 1e-12,
      maxIter: 7,
      topics: [
        { c: csr(3, []), p: uniform(3) },
        { c: slow, p: Float64Array.from([1, 0, 0]) },
      ],
    });
    expect(out.iterations[0]).toBe(1); // an empty topic is p after one step
    expect(out.iterations[1]).toBe(7);
    expect(out.residuals[1]).toBeGreaterThan(1e-12);
  });

  it('the kernel memory fits n = 100k x 20 ratings x 5 topics, and a larger capacity is refused up front', () => {
    expect(resolveKernelPath()).toMatch(/build[\\/]eigentrust\.wasm$/);
    const need = bytesNeeded({ nodes: 100_000, topics: 5, nnz: 100_000 * 20 * 5 });
    expect(need).toBeGreaterThan(120e6);
    expect(need).toBeLessThan(4096 * 65536);
    expect(() => createEigenTrust({ nodes: 1_000_000, topics: 5, nnz: 1_000_000 * 20 * 5 })).toThrow(/capacity/);
  });

  it('a fixed-capacity instance rejects a problem that does not fit, naming the input', () => {
    const small = createEigenTrust({ nodes: 4, topics: 1, nnz: 4 });
    expect(() =>
      small({ n: 5, alpha: 0.15, epsilon: 1e-9, maxIter: 5, topics: [{ c: csr(5, []), p: uniform(5) }] }),
    ).toThrow(/capacity/);
    expect(() => small({ n: 2, alpha: 2, epsilon: 1e-9, maxIter: 5, topics: [] })).toThrow(/alpha/);
  });
});
