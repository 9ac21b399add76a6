// Dynamic pretrust, cross-topic bridge and consistency gate of MG-EigenTrust (docs/architecture.md §7). Pure functions of their
// arguments (docs/conventions.md §3); the stateful owner (./model.ts) gathers the inputs.
//
//   p^τ_j ∝ g^τ_j · (w_s·σ(stake_j) + w_b·B^τ_j + w_v·v_j)                          (normalised over active nodes)
//   σ(s)  = min(1, √(s / s_ref))            capped concave: doubling a small stake helps, a whale gains nothing more
//   B^τ_j = min(b_cap, Σ_{τ'≠τ} W_{τ'τ} · n·t^{τ'}_j)   n·t is trust relative to the uniform share (mean 1)
//   g^τ_j = consistency(x^τ_j) · credibility^τ_j, 0 if slashed
// Consistency: x = N/(P + N + κ) is the share of negative evidence about j as a worker in τ, each rater i voting
// clamp(s_ij, −1, 1). Praise is weighted by ω_i = min(1, n·t^τ_i)·g^τ_i·voice_i (trusted, ungated raters count
// fully), complaints by g^τ_i·voice_i only: praise is what a collective manufactures cheaply for its members, so it
// must come from raters the topic already trusts; a complaint about a delivery is credible from any verified,
// ungated requester (a badmouthing verified requester would have to spend its own gate, see docs/trust.md). κ is a prior
// of "no evidence" so one bad draw does not close the gate. The gate is 1 for x ≤ x0, 0 for x ≥ x1, linear between.
// A node importing reputation is claimed good by that import; negative evidence in τ contradicts the claim and
// removes the import together with the rest of its pretrust, before the reputation can be spent (the attack of §7).
// Credibility: 1/(1 + β·V^τ_i), V = Σ of i's positive votes in τ for nodes slashed by a fraud proof in τ. Vouching
// for a proven fraudster contradicts the voucher's standing; this is what exposes spies and the rest of a collective
// once one member is proven, and it is why the gate also scales the rater's row of C (see ./local.ts).
export interface PretrustWeights {
  /** w_s: weight of σ(unfrozen stake), ≥ 0. */
  readonly stake: number;
  /** w_b: weight of the bridge B, ≥ 0. */
  readonly bridge: number;
  /** w_v: weight of the tier flag v ∈ {0,1}, ≥ 0. */
  readonly tier: number;
}

export interface GateParams {
  /** κ > 0: prior evidence mass (in full votes). */
  readonly kappa: number;
  /** x0 < x1 in [0,1]: negative-evidence share where the gate starts closing / is closed. */
  readonly x0: number;
  readonly x1: number;
  /** β ≥ 0: credibility lost per full vote of vouching for a slashed node. */
  readonly vouchPenalty: number;
}

/** σ(s) = min(1, √(s/s_ref)); s ≤ 0 gives 0. */
export function stakeScore(stake: number, stakeRef: number): number {
  if (!(stakeRef > 0)) throw new RangeError(`stakeRef: ${stakeRef} must be > 0`);
  return stake <= 0 ? 0 : Math.min(1, Math.sqrt(stake / stakeRef));
}

/** B^τ for every node: min(cap, Σ_{τ'≠τ} W[τ'][τ]·n·t^{τ'}_j) from the previous trust vectors. */
export function bridge(
  tau: number,
  W: readonly (readonly number[])[],
  prev: readonly Float64Array[],
  nActive: number,
  cap: number,
): Float64Array {
  const n = prev[tau]?.length ?? 0;
  const b = new Float64Array(n);
  prev.forEach((t, from) => {
    const w = W[from]?.[tau] ?? 0;
    if (from === tau || w <= 0) return;
    for (let j = 0; j < n; j++) b[j] = (b[j] as number) + w * nActive * (t[j] as number);
  });
  for (let j = 0; j < n; j++) b[j] = Math.min(cap, b[j] as number);
  return b;
}

/** Normalised pretrust; nodes with `active[j]` false get 0; if every weight is 0, uniform over active nodes. */
export function pretrust(
  gate: Float64Array,
  stakeSig: Float64Array,
  bridgeB: Float64Array,
  tier: Uint8Array,
  active: Uint8Array,
  w: PretrustWeights,
): Float64Array {
  const n = gate.length;
  const p = new Float64Array(n);
  let sum = 0;
  for (let j = 0; j < n; j++) {
    if (!active[j]) continue;
    const x =
      (gate[j] as number) *
      (w.stake * (stakeSig[j] as number) + w.bridge * (bridgeB[j] as number) + w.tier * (tier[j] as number));
    p[j] = x;
    sum += x;
  }
  if (sum > 0) for (let j = 0; j < n; j++) p[j] = (p[j] as number) / sum;
  else return uniformOver(active);
  return p;
}

export function uniformOver(active: Uint8Array): Float64Array {
  const p = new Float64Array(active.length);
  let k = 0;
  for (let j = 0; j < active.length; j++) if (active[j]) k++;
  for (let j = 0; j < active.length; j++) if (active[j]) p[j] = 1 / k;
  return p;
}

/** Consistency part of the gate from weighted positive P and negative N evidence. */
export function consistency(P: number, N: number, g: GateParams): number {
  const x = N / (P + N + g.kappa);
  if (x <= g.x0) return 1;
  if (x >= g.x1) return 0;
  return (g.x1 - x) / (g.x1 - g.x0);
}

/**
 * Certainty of a worker's standing in a topic from its weighted praise P there (the gate's P):
 * (P + prior)/(P + prior + half). A node nobody in the topic has vouched for yet starts at prior/(prior + half) and
 * approaches 1 as trusted raters confirm it; 1 when `half` is 0 (certainty off). This is the uncertainty of
 * Beta-style reputation (Jøsang & Ismail 2002): trust computed from little or no direct evidence in τ, however high
 * (imported, pretrusted), is an estimate, and selection should not bet on it as on confirmed trust.
 */
export function certainty(P: number, c: CertaintyParams): number {
  if (!(c.half > 0)) return 1;
  const x = Math.max(0, P) + c.prior;
  return x / (x + c.half);
}

export interface CertaintyParams {
  /** Prior evidence (full votes) every node starts with, > 0 when `half` > 0. */
  readonly prior: number;
  /** Evidence at which certainty is one half beyond the prior; 0 turns certainty off. */
  readonly half: number;
}

/** Credibility from V, the summed positive votes for slashed nodes. */
export function credibility(V: number, g: GateParams): number {
  return 1 / (1 + g.vouchPenalty * V);
}

/**
 * Gate of every node in one topic. votes[i] = Map worker → clamp(s_ij, −1, 1); raterWeight[i] = ω_i weighs praise,
 * complaintWeight[i] weighs complaints (see the module header); cred[j] =
 * credibility; slashed nodes get 0.
 */
export function gates(
  n: number,
  votes: readonly (ReadonlyMap<number, number> | undefined)[],
  raterWeight: Float64Array,
  complaintWeight: Float64Array,
  cred: Float64Array,
  slashed: Uint8Array,
  g: GateParams,
  supportOut?: Float64Array,
): Float64Array {
  const P = supportOut ?? new Float64Array(n);
  P.fill(0);
  const N = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const r = votes[i];
    const w = raterWeight[i] as number;
    const wc = complaintWeight[i] as number;
    if (!r) continue;
    for (const [j, v] of r) {
      if (j === i || j >= n) continue;
      if (v > 0) P[j] = (P[j] as number) + w * v;
      else N[j] = (N[j] as number) - wc * v;
    }
  }
  const out = new Float64Array(n);
  for (let j = 0; j < n; j++)
    out[j] = slashed[j] ? 0 : consistency(P[j] as number, N[j] as number, g) * (cred[j] as number);
  return out;
}
