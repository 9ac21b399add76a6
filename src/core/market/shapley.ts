// Exact Shapley values for small coalitions (the reward rule "Shapley split over contributors'
// marginal value", docs/architecture.md §8).
//
//   φ_i = Σ_{S ⊆ N∖{i}} |S|! (n−|S|−1)! / n! · (v(S ∪ {i}) − v(S))
//
// Coalitions are bitmasks over the players 0..n−1, so v is evaluated once per subset (2^n calls) and
// every player's value is a weighted sum over those. n is capped at MAX_PLAYERS: teams in a task are
// small, and 2^20 subsets is already a second of work; anything larger is API misuse.

export const MAX_PLAYERS = 20;

/** Shapley values of players 0..n−1 for the characteristic function `v` (v(0) is the empty coalition). */
export function shapley(n: number, v: (mask: number) => number): number[] {
  if (!Number.isInteger(n) || n < 0 || n > MAX_PLAYERS)
    throw new RangeError(`shapley: n must be an integer in 0..${MAX_PLAYERS}`);
  const size = 1 << n;
  const val = new Float64Array(size);
  for (let m = 0; m < size; m++) val[m] = v(m);
  // weight[s] = s!(n−s−1)!/n!, computed as a product to stay exact for small n.
  const weight = new Float64Array(Math.max(n, 1));
  for (let s = 0; s < n; s++) {
    let w = 1 / n;
    // s!(n-1-s)!/(n-1)! = 1 / C(n-1, s)
    let c = 1;
    for (let k = 1; k <= s; k++) c = (c * (n - 1 - s + k)) / k;
    w /= c;
    weight[s] = w;
  }
  const phi = new Array<number>(n).fill(0);
  for (let m = 0; m < size; m++) {
    const s = popcount(m);
    for (let i = 0; i < n; i++) {
      const bit = 1 << i;
      if (m & bit) continue;
      phi[i]! += weight[s]! * (val[m | bit]! - val[m]!);
    }
  }
  return phi;
}

export function popcount(m: number): number {
  let c = 0;
  for (let x = m; x; x &= x - 1) c++;
  return c;
}
