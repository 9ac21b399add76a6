// Plain records and boundary types of the trust layer (docs/architecture.md §7). Nothing here knows about COSE or signatures: a
// `Receipt` is what remains of a co-signed receipt after the codec and the identity layer verified it, so it can be
// filled from verified receipts later without the trust maths changing.

/** A node (agent identity) index in 0..n-1 within one trust computation. */
export type NodeIndex = number;

/**
 * One verified task receipt (docs/architecture.md §8: announce → bid → award → delivery → receipt).
 * `outcome` is the requester's rating of the delivery on a 0..1000 scale (1000 = fully satisfied); it is read as
 * sat = outcome/1000 and unsat = 1 − outcome/1000, so its contribution to s_ij is sat − unsat = 2·outcome/1000 − 1.
 * `ts` is the epoch (integer, the clock of the trust layer) at which the receipt was co-signed.
 */
export interface Receipt {
  readonly taskId: string;
  readonly topic: string;
  readonly requester: NodeIndex;
  readonly worker: NodeIndex;
  readonly outcome: number;
  readonly ts: number;
}

/**
 * A verified fraud proof (docs/architecture.md §6 T4: fork proof, failed T3 attestation, proven bad delivery, a requester's
 * double award in the task protocol) against `culprit`. Every kind slashes alike.
 */
export interface FraudProof {
  readonly culprit: NodeIndex;
  readonly topic: string;
  readonly kind: 'fork' | 'attestation' | 'bad-delivery' | 'double-award';
  readonly ts: number;
}

/** A topic and its declared tag set; tags are dotted paths (`software.code.python`), prefixes count as tags. */
export interface TopicSpec {
  readonly name: string;
  readonly tags: readonly string[];
}

/** Compressed sparse rows of an n×n matrix. Row i holds i's normalised ratings c_ij of others. */
export interface CsrMatrix {
  readonly rowPtr: Int32Array; // length n+1, rowPtr[0] = 0, non-decreasing
  readonly colIdx: Int32Array; // length nnz, each in 0..n-1
  readonly vals: Float64Array; // length nnz, each ≥ 0; Σ over a row ≤ 1
}

/** Input of one multi-topic power iteration: every topic shares the node set 0..n-1. */
export interface PowerIterateInput {
  readonly n: number;
  readonly topics: readonly { readonly c: CsrMatrix; readonly p: Float64Array }[];
  /** Teleport weight a ∈ [0,1] toward pretrust (Kamvar §4.5; docs/architecture.md §7 a ≈ 0.15). */
  readonly alpha: number;
  /** Stop when ‖t(k+1) − t(k)‖₁ < epsilon (> 0). */
  readonly epsilon: number;
  /** Hard cap on iterations per topic (≥ 1). */
  readonly maxIter: number;
}

export interface PowerIterateOutput {
  /** One trust vector per topic, in input order. */
  readonly t: Float64Array[];
  readonly iterations: number[];
  /** ‖t(k+1) − t(k)‖₁ of the last iteration run, per topic. */
  readonly residuals: number[];
}

/**
 * The power-iteration function injected into the trust owner and the simulator (docs/conventions.md §2/3): the TS reference
 * (`powerIterate` in ./eigentrust.ts) or the WASM kernel from src/runtime/wasm/eigentrust.ts. Both must agree to 1e-12.
 */
export type PowerIterate = (input: PowerIterateInput) => PowerIterateOutput;
