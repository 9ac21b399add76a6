// Provider selection for a query (docs/architecture.md §7): among the candidates, pick proportionally to reputation, with a small
// uniform exploration share so newcomers get observed at all. Randomness is passed in (two uniforms in [0,1)), so
// the function is pure and the caller's seeded PRNG decides.

/**
 * Index into `scores` (length ≥ 1, scores ≥ 0). With probability `explore`, or if all scores are 0, uniform over
 * the candidates `explorable` allows (all by default; MG explores only identities that passed the required tier,
 * so exploration cannot be farmed with fresh Sybil identities).
 */
export function selectProportional(
  scores: readonly number[],
  explore: number,
  u1: number,
  u2: number,
  explorable?: readonly boolean[],
): number {
  const k = scores.length;
  if (k === 0) throw new RangeError('scores: empty candidate list');
  let sum = 0;
  for (const s of scores) sum += s > 0 ? s : 0;
  if (u1 < explore || !(sum > 0)) {
    const pool = explorable ? scores.map((_, q) => q).filter((q) => explorable[q]) : undefined;
    if (!pool) return Math.min(k - 1, Math.floor(u2 * k));
    if (pool.length === 0) return Math.min(k - 1, Math.floor(u2 * k));
    return pool[Math.min(pool.length - 1, Math.floor(u2 * pool.length))] as number;
  }
  let x = u2 * sum;
  for (let q = 0; q < k; q++) {
    const s = scores[q] as number;
    if (s <= 0) continue;
    x -= s;
    if (x < 0) return q;
  }
  for (let q = k - 1; q >= 0; q--) if ((scores[q] as number) > 0) return q;
  return k - 1;
}

/** Index of the highest score (first on ties). */
export function selectArgmax(scores: readonly number[]): number {
  if (scores.length === 0) throw new RangeError('scores: empty candidate list');
  let best = 0;
  for (let q = 1; q < scores.length; q++) if ((scores[q] as number) > (scores[best] as number)) best = q;
  return best;
}
