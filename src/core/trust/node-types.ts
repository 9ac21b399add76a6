// Options and outputs of NodeTrust (./node-trust.ts), apart so that the class file stays about its inputs.

import type { IdentityTiers } from '../identity/tiers.js';
import type { Candidate } from '../types.js';
import type { Conduct } from './conduct.js';
import type { TrustFeatures, TrustParams } from './params.js';

export interface NodeTrustOptions {
  readonly verifier: IdentityTiers;
  /** Recompute period, ms (the firmware profile's trustRecomputeMs): one exchange round per recompute. */
  readonly recomputeMs: number;
  /**
   * The ledger's clock unit, ms (default 1 h): receipts lose λ = 0.9 of their weight per unit of age. Separate
   * from the recompute period, which is a CPU budget of the device, so a Pi Zero and an x64 forget alike.
   */
  readonly decayEpochMs?: number;
  /** BAID tier an identity must reach for v_j = 1 (docs/architecture.md §6-7); default 3 (attested: linkable to its operator). */
  readonly requiredTier?: number;
  readonly features?: TrustFeatures;
  /**
   * Flattened trust (an experiment's baseline, docs/trust.md): every receipt, proof and query counts in one trust
   * topic of this name, whatever topic it names. Default: each topic its own.
   */
  readonly flatten?: string;
  readonly params?: TrustParams;
  /** Accepted clock skew for receipt timestamps, ms (default 5 min). */
  readonly clockSkewMs?: number;
  /** Receipts held while a signer's binding is unknown, and for how many recompute periods (defaults 1024, 2). */
  readonly maxHeld?: number;
  readonly heldEpochs?: number;
  /** Verified inputs kept for a rebuild (oldest dropped beyond it; they have decayed). Default 100 000. */
  readonly maxReplay?: number;
  /** Identities the first ledger holds (grows by doubling). Default 256. */
  readonly capacity?: number;
  /** Exploration share of proportional provider selection (docs/architecture.md §7), default 0.02. */
  readonly explore?: number;
  /** This node's conduct record (./conduct.ts), shared with the flood gate that feeds it; default a new one. */
  readonly conduct?: Conduct;
}

/**
 * A candidate with its topic trust: `trust` is n × published trust × gate (1 = an average identity); `rank` is the
 * semantic score × n × selection score (trust × certainty, TrustModel.selectionScore), the ranking key.
 */
export type RankedCandidate = Candidate & { readonly trust: number; readonly gate: number; readonly rank: number };

export interface TrustEntry {
  readonly agent: string;
  readonly trust: number;
  readonly computed: number;
  readonly gate: number;
  /** This node's conduct factor of the agent (./conduct.ts), in (0, 1]; already multiplied into `trust`. */
  readonly conduct: number;
  readonly tierOk: boolean;
  readonly stake: number;
  readonly frozen: number;
  readonly burnt: number;
  readonly slashed: boolean;
  readonly flagged: boolean;
  readonly receipts: number;
  /** Peers whose published reputation (./gossip.ts) reports the agent in this topic, and their mean value. */
  readonly peers: number;
  readonly peerTrust: number | null;
}
