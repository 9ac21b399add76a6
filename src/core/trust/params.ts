// MG-EigenTrust's parameters (docs/architecture.md §7) and which of its defences are on; the defaults are the ones the
// paper's experiment and the nodes use (docs/trust.md).
import type { CertaintyParams, GateParams, PretrustWeights } from './pretrust.js';
import type { ExchangeParams } from './exchange.js';

export interface TrustParams {
  /** Teleport weight a toward pretrust (docs/architecture.md §7 a ≈ 0.15). */
  readonly alpha: number;
  /** Convergence bound on ‖Δt‖₁ and the iteration cap of the power iteration. */
  readonly epsilon: number;
  readonly maxIter: number;
  /** λ ∈ (0,1]: recency weight per epoch of age of a receipt in s_ij. */
  readonly decay: number;
  readonly weights: PretrustWeights;
  /** s_ref of σ(s) = min(1, √(s/s_ref)), stake units. */
  readonly stakeRef: number;
  /** Cap of B (relative trust units; 1 = the uniform share). */
  readonly bridgeCap: number;
  /** Jaccard threshold below which two topics import nothing. */
  readonly similarityThreshold: number;
  readonly gate: GateParams;
  /** Fraction of stake burnt on a verified fraud proof; the rest is frozen (docs/architecture.md §7). */
  readonly burnFraction: number;
  /**
   * Voice ∈ [0,1] of an identity that has not passed the required BAID tier (docs/architecture.md §6), as a rater in C and in the
   * gate's evidence. A fresh identity costs nothing but stake, so its ratings must not carry a verified node's weight.
   */
  readonly unverifiedVoice: number;
  /** Which standing scales a rater's row of C: its trust in the topic, in its best topic, or none. */
  readonly voiceStanding: 'topic' | 'any' | 'none';
  /**
   * Selection certainty (./pretrust.ts certainty): reputation is scaled by (P + prior)/(P + prior + half), P the
   * weighted praise in the topic. Only with the gate on. half = 0 turns it off.
   */
  readonly certainty: CertaintyParams;
  /** A node is flagged when slashed or its gate in some topic is below this. */
  readonly flagThreshold: number;
  readonly exchange: ExchangeParams;
}

export const DEFAULT_TRUST_PARAMS: TrustParams = {
  alpha: 0.15,
  epsilon: 1e-10,
  maxIter: 200,
  decay: 0.9,
  weights: { stake: 0.1, bridge: 0.5, tier: 0.4 },
  stakeRef: 20,
  bridgeCap: 1,
  similarityThreshold: 0.2,
  gate: { kappa: 0.25, x0: 0.3, x1: 0.5, vouchPenalty: 2 },
  certainty: { prior: 0.25, half: 1 },
  burnFraction: 0.5,
  unverifiedVoice: 0.25,
  voiceStanding: 'topic',
  flagThreshold: 0.5,
  exchange: { deltaRel: 0.25, topK: 9 },
};

/** Which MG-EigenTrust defences are on; plain per-topic EigenTrust is all false with `uniform` pretrust. */
export interface TrustFeatures {
  readonly pretrust: 'uniform' | 'dynamic';
  readonly gate: boolean;
  readonly slash: boolean;
  /** Cross-topic bridge B (W from tag similarity); false means W = 0. */
  readonly semantic: boolean;
  readonly exchange: 'full' | 'delta';
}

export const MG_FEATURES: TrustFeatures = {
  pretrust: 'dynamic',
  gate: true,
  slash: true,
  semantic: true,
  exchange: 'delta',
};
export const EIGENTRUST_FEATURES: TrustFeatures = {
  pretrust: 'uniform',
  gate: false,
  slash: false,
  semantic: false,
  exchange: 'full',
};
