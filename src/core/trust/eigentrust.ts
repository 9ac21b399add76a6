// EigenTrust power iteration, the pure TypeScript reference (docs/conventions.md §3, 9): a function of (C, p, a, ε, maxIter) only.
// Kamvar, Schlosser, Garcia-Molina, "The EigenTrust Algorithm for Reputation Management in P2P Networks", WWW 2003,
// Algorithm 2 with pretrust p and teleport weight a:  t(k+1) = (1−a)·Cᵀ·t(k) + a·p,  t(0) = p.
//
// Dangling rows (a node with no positive ratings) are the standard EigenTrust rule (Kamvar §4.5): such a node
// "trusts the pretrusted peers", i.e. its row is p. We do not materialise those rows; the mass they hold is
// leak = Σt − Σ(Cᵀt) and is handed out as leak·p. The same rule covers sub-stochastic rows (Σ_j c_ij < 1), which
// MG-EigenTrust uses to discount a rater's voice (docs/architecture.md §7 gate): the missing part of its row also goes to p.
// With Σp = 1 this keeps Σt = 1 at every step.
//
// The WASM kernel (assembly/eigentrust.ts) does the same floating-point operations in the same order.
import type { CsrMatrix, PowerIterateInput, PowerIterateOutput } from './types.js';

function checkCsr(c: CsrMatrix, n: number, k: number): void {
  if (c.rowPtr.length !== n + 1) throw new RangeError(`topics[${k}].c.rowPtr: length ${c.rowPtr.length} != n+1`);
  const nnz = c.rowPtr[n] ?? 0;
  if (c.rowPtr[0] !== 0 || c.colIdx.length !== nnz || c.vals.length !== nnz) {
    throw new RangeError(`topics[${k}].c: rowPtr/colIdx/vals disagree on nnz`);
  }
  for (let i = 0; i < n; i++)
    if ((c.rowPtr[i + 1] as number) < (c.rowPtr[i] as number))
      throw new RangeError(`topics[${k}].c.rowPtr: decreasing at ${i}`);
  for (let e = 0; e < nnz; e++) {
    const j = c.colIdx[e] as number;
    if (j < 0 || j >= n) throw new RangeError(`topics[${k}].c.colIdx[${e}] = ${j} out of 0..${n - 1}`);
  }
}

/** Argument checks shared by the reference and the WASM loader (misuse throws and names the argument, docs/conventions.md §5). */
export function checkPowerIterateInput(input: PowerIterateInput): void {
  const { n, alpha, epsilon, maxIter } = input;
  if (!Number.isInteger(n) || n < 0) throw new RangeError(`n: ${n} is not a non-negative integer`);
  if (!(alpha >= 0 && alpha <= 1)) throw new RangeError(`alpha: ${alpha} not in [0,1]`);
  if (!(epsilon > 0)) throw new RangeError(`epsilon: ${epsilon} must be > 0`);
  if (!Number.isInteger(maxIter) || maxIter < 1) throw new RangeError(`maxIter: ${maxIter} must be an integer ≥ 1`);
  input.topics.forEach((tp, k) => {
    if (tp.p.length !== n) throw new RangeError(`topics[${k}].p: length ${tp.p.length} != n`);
    checkCsr(tp.c, n, k);
  });
}

/** One topic's iteration; `t` (length n) receives the result, `y` is scratch. Returns [iterations, residual]. */
export function iterateTopic(
  n: number,
  c: CsrMatrix,
  p: Float64Array,
  alpha: number,
  eps: number,
  maxIter: number,
  t: Float64Array,
  y: Float64Array,
): [number, number] {
  const { rowPtr, colIdx, vals } = c;
  const keep = 1 - alpha;
  t.set(p);
  let it = 0;
  let res = 0;
  while (it < maxIter) {
    it++;
    y.fill(0);
    // y = Cᵀ t: scatter row i's ratings weighted by i's own trust (Kamvar eq. 5: t_k = Σ_i c_ik t_i).
    let e = rowPtr[0] as number;
    for (let i = 0; i < n; i++) {
      const end = rowPtr[i + 1] as number;
      const ti = t[i] as number;
      for (; e < end; e++) {
        const j = colIdx[e] as number;
        y[j] = (y[j] as number) + (vals[e] as number) * ti;
      }
    }
    let st = 0;
    let sy = 0;
    for (let j = 0; j < n; j++) {
      st += t[j] as number;
      sy += y[j] as number;
    }
    const leak = st - sy; // mass of dangling and discounted rows, redistributed along p
    res = 0;
    for (let j = 0; j < n; j++) {
      const pj = p[j] as number;
      const v = keep * ((y[j] as number) + leak * pj) + alpha * pj;
      res += Math.abs(v - (t[j] as number));
      t[j] = v;
    }
    if (res < eps) break;
  }
  return [it, res];
}

/** The reference PowerIterate: every topic independently, in input order. */
export function powerIterate(input: PowerIterateInput): PowerIterateOutput {
  checkPowerIterateInput(input);
  const { n, alpha, epsilon, maxIter } = input;
  const y = new Float64Array(n);
  const out: PowerIterateOutput = { t: [], iterations: [], residuals: [] };
  for (const tp of input.topics) {
    const t = new Float64Array(n);
    const [it, res] = iterateTopic(n, tp.c, tp.p, alpha, epsilon, maxIter, t, y);
    out.t.push(t);
    out.iterations.push(it);
    out.residuals.push(res);
  }
  return out;
}
