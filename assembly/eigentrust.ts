// Multi-topic EigenTrust power iteration (docs/architecture.md §7; Kamvar, Schlosser, Garcia-Molina 2003, Algorithm 1/2).
//
// The boundary is fixed buffers and numbers (docs/conventions.md §10). The host lays everything out in linear memory before the
// call, starting at heapBase(), all offsets 8-byte aligned:
//
//   header: nTopics records of 8 u32 words (32 bytes) each:
//     [0] rowPtr  -> i32[n+1]   CSR row pointers of C (row i = i's normalised ratings of others)
//     [1] colIdx  -> i32[nnz]   column (ratee) of each entry
//     [2] vals    -> f64[nnz]   c_ij; a row sums to 1, to less than 1 (sub-stochastic) or is empty (dangling)
//     [3] p       -> f64[n]     pretrust p (Σ p = 1)
//     [4] t       -> f64[n]     out: trust vector
//     [5] y       -> f64[n]     scratch (Cᵀt)
//     [6] iters   <- u32        out: iterations run
//     [7] unused
//   residuals: f64[nTopics] at `resPtr`, out: ‖t(k) − t(k−1)‖₁ of the last iteration.
//
// The arithmetic is written in exactly the same order as the TypeScript reference
// (src/core/trust/eigentrust.ts) so the results agree to the last bit, not only to the 1e-12 the tests demand.
// Memory is imported from the host (`env.memory`), which sizes it once per instance for the largest problem it
// will be handed; the kernel never grows it.

/** Start of the host-owned region (after this module's static data, none in practice). */
export function heapBase(): usize {
  return (__heap_base + 7) & ~(<usize>7);
}

/**
 * Runs the iteration for every topic. For each topic independently:
 *   t(0) = p
 *   y    = Cᵀ t(k)                      (scatter over the rows of C)
 *   leak = Σ t(k) − Σ y                 (mass held by dangling rows, plus the missing part of sub-stochastic rows)
 *   t(k+1) = (1−a)·(y + leak·p) + a·p   (Kamvar §4.5: dangling rows use p; we extend the same rule to partial rows)
 * stopping when ‖t(k+1) − t(k)‖₁ < eps or after maxIter iterations.
 */
export function iterate(n: i32, nTopics: i32, hdr: usize, resPtr: usize, alpha: f64, eps: f64, maxIter: i32): void {
  const keep = 1.0 - alpha;
  for (let k = 0; k < nTopics; k++) {
    const h = hdr + (<usize>k << 5);
    const rowPtr = <usize>load<u32>(h, 0);
    const colIdx = <usize>load<u32>(h, 4);
    const vals = <usize>load<u32>(h, 8);
    const p = <usize>load<u32>(h, 12);
    const t = <usize>load<u32>(h, 16);
    const y = <usize>load<u32>(h, 20);
    memory.copy(t, p, <usize>n << 3);
    let it: i32 = 0;
    let res: f64 = 0.0;
    while (it < maxIter) {
      it++;
      memory.fill(y, 0, <usize>n << 3);
      let e = load<i32>(rowPtr);
      for (let i = 0; i < n; i++) {
        const end = load<i32>(rowPtr + ((<usize>(i + 1)) << 2));
        const ti = load<f64>(t + (<usize>i << 3));
        for (; e < end; e++) {
          const j = <usize>load<i32>(colIdx + (<usize>e << 2));
          const at = y + (j << 3);
          store<f64>(at, load<f64>(at) + load<f64>(vals + (<usize>e << 3)) * ti);
        }
      }
      let st: f64 = 0.0;
      let sy: f64 = 0.0;
      for (let j = 0; j < n; j++) {
        st += load<f64>(t + (<usize>j << 3));
        sy += load<f64>(y + (<usize>j << 3));
      }
      const leak = st - sy;
      res = 0.0;
      for (let j = 0; j < n; j++) {
        const o = <usize>j << 3;
        const pj = load<f64>(p + o);
        const v = keep * (load<f64>(y + o) + leak * pj) + alpha * pj;
        res += Math.abs(v - load<f64>(t + o));
        store<f64>(t + o, v);
      }
      if (res < eps) break;
    }
    store<u32>(h, <u32>it, 24);
    store<f64>(resPtr + (<usize>k << 3), res);
  }
}
