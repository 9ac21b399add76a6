// Per-topic local trust and its normalisation (docs/architecture.md §7; Kamvar et al. 2003 §4.1 eq. 1).
//   s_ij  = Σ over i's receipts of j in τ of λ^(now − ts) · (sat − unsat),  sat − unsat = 2·outcome/1000 − 1
//   c_ij  = r_i · max(s_ij, 0) / Σ_k max(s_ik, 0)        (k over workers not dropped)
// r_i ∈ [0,1] is the rater's voice (1 in plain EigenTrust; MG-EigenTrust uses gate × tier voice × min(1, n·t_i), see
// model.ts, so that a gated, unverified or unestablished rater's trust leaks back to pretrust instead of cycling
// inside a collective, whose amplification would otherwise be 1/a). A row with no positive rating is
// empty (dangling); the power iteration gives its mass to p (Kamvar §4.5).
import type { CsrMatrix } from './types.js';

/** Rating value of one receipt: sat − unsat with sat = outcome/1000, in [−1, 1]. */
export function receiptValue(outcome: number): number {
  if (!(outcome >= 0 && outcome <= 1000)) throw new RangeError(`outcome: ${outcome} not in 0..1000`);
  return (2 * outcome) / 1000 - 1;
}

/** A decayed accumulator of one rater→worker pair: value as of epoch `ts`. */
export interface PairTrust {
  v: number;
  ts: number;
}

/** Adds a receipt's value at epoch `ts` to a pair, decaying the old value by λ per epoch elapsed. */
export function accumulate(pair: PairTrust | undefined, value: number, ts: number, lambda: number): PairTrust {
  if (!pair) return { v: value, ts };
  const dt = ts - pair.ts;
  return dt >= 0 ? { v: pair.v * lambda ** dt + value, ts } : { v: pair.v + value * lambda ** -dt, ts: pair.ts };
}

/** s_ij as of epoch `now` (recency-weighted). */
export function pairValue(pair: PairTrust, now: number, lambda: number): number {
  return pair.v * lambda ** Math.max(0, now - pair.ts);
}

/**
 * Builds the row-normalised C from s (rows[i] = Map worker → s_ij as of now). Entries of dropped workers (slashed
 * or departed identities) and self-ratings are ignored; `voice[i]` scales row i (default 1).
 */
export function normalise(
  n: number,
  rows: readonly (ReadonlyMap<number, number> | undefined)[],
  voice?: Float64Array,
  dropped?: (j: number) => boolean,
): CsrMatrix {
  const rowPtr = new Int32Array(n + 1);
  const col: number[] = [];
  const val: number[] = [];
  for (let i = 0; i < n; i++) {
    const r = rows[i];
    const vi = voice ? (voice[i] as number) : 1;
    if (r && vi > 0) {
      const keys = [...r.keys()]
        .filter((j) => j !== i && j < n && (r.get(j) as number) > 0 && !dropped?.(j))
        .sort((a, b) => a - b);
      let sum = 0;
      for (const j of keys) sum += r.get(j) as number;
      if (sum > 0)
        for (const j of keys) {
          col.push(j);
          val.push((vi * (r.get(j) as number)) / sum);
        }
    }
    rowPtr[i + 1] = col.length;
  }
  return { rowPtr, colIdx: Int32Array.from(col), vals: Float64Array.from(val) };
}
