// The stateful owner of MG-EigenTrust bookkeeping (docs/conventions.md §3): who rated whom per topic, stakes, frozen stake,
// tiers, slashing, gates, the published view. The maths lives in pure modules (./local.ts, ./pretrust.ts,
// ./eigentrust.ts, ./exchange.ts), the parameters in ./params.ts; the power iteration is injected (TS reference or WASM kernel).
// Inputs are `handle*` (receipts, fraud proofs), `recompute(now, iterate)` runs once per epoch (docs/architecture.md §7).
// The same class runs the baselines: features choose uniform pretrust, no gate, no slashing, full exchange.
import { accumulate, normalise, pairValue, receiptValue, type PairTrust } from './local.js';
import { bridge, certainty, consistency, credibility, gates, pretrust, stakeScore, uniformOver } from './pretrust.js';
import { exchangeDelta, exchangeFull } from './exchange.js';
import { topicSimilarity } from './similarity.js';
import { DEFAULT_TRUST_PARAMS, MG_FEATURES, type TrustFeatures, type TrustParams } from './params.js';
import type { FraudProof, NodeIndex, PowerIterate, Receipt, TopicSpec } from './types.js';

export class TrustModel {
  readonly topics: readonly TopicSpec[];
  readonly W: number[][];
  private readonly topicIx = new Map<string, number>();
  private readonly cap: number;
  private n = 0;
  private readonly stake: Float64Array;
  private readonly frozen: Float64Array;
  private readonly burnt: Float64Array;
  private readonly tier: Uint8Array;
  private readonly active: Uint8Array;
  private readonly slashed: Uint8Array;
  /** proofTopics[j]: topics in which a fraud proof against j was verified. */
  private readonly proofTopics: Set<number>[] = [];
  /** s[τ][i]: worker → decayed pair accumulator. */
  private readonly s: Map<number, PairTrust>[][];
  private readonly t: Float64Array[];
  private readonly g: Float64Array[];
  /** support[τ][j]: weighted praise P of j in τ when its gate was last computed (selection certainty). */
  private readonly support: Float64Array[];
  private readonly view: Float64Array[];
  /** ratersOf[τ][j]: who has rated j in τ (reverse index for the live gate). */
  private readonly ratersOf: Set<number>[][];
  /** omega[τ][i], cred[τ][i]: rater weight and credibility as of the last recompute. */
  private omega: (Float64Array | undefined)[];
  private omegaNeg: (Float64Array | undefined)[];
  private cred: (Float64Array | undefined)[];
  /** rated[τ][j]: receipts naming j as worker in τ. */
  private readonly rated: Uint32Array[];
  private entries = 0;
  private epochs = 0;
  /** Indices whose published entry changed at the last recompute, per topic (delta exchange only). */
  private lastSent: number[][] = [];

  constructor(
    topics: readonly TopicSpec[],
    capacity: number,
    readonly features: TrustFeatures = MG_FEATURES,
    readonly params: TrustParams = DEFAULT_TRUST_PARAMS,
  ) {
    if (!Number.isInteger(capacity) || capacity < 1)
      throw new RangeError(`capacity: ${capacity} must be a positive integer`);
    if (topics.length === 0) throw new RangeError('topics: at least one topic');
    this.topics = topics;
    topics.forEach((tp, k) => this.topicIx.set(tp.name, k));
    this.W = features.semantic
      ? topicSimilarity(topics, params.similarityThreshold)
      : topics.map(() => topics.map(() => 0));
    this.cap = capacity;
    this.stake = new Float64Array(capacity);
    this.frozen = new Float64Array(capacity);
    this.burnt = new Float64Array(capacity);
    this.tier = new Uint8Array(capacity);
    this.active = new Uint8Array(capacity);
    this.slashed = new Uint8Array(capacity);
    const T = topics.length;
    this.s = Array.from({ length: T }, () => []);
    this.t = Array.from({ length: T }, () => new Float64Array(capacity));
    this.g = Array.from({ length: T }, () => new Float64Array(capacity).fill(1));
    this.support = Array.from({ length: T }, () => new Float64Array(capacity));
    this.view = Array.from({ length: T }, () => new Float64Array(capacity));
    this.rated = Array.from({ length: T }, () => new Uint32Array(capacity));
    this.ratersOf = Array.from({ length: T }, () => []);
    this.omega = topics.map(() => undefined);
    this.omegaNeg = topics.map(() => undefined);
    this.cred = topics.map(() => undefined);
  }

  get size(): number {
    return this.n;
  }
  get entriesSent(): number {
    return this.entries;
  }
  get epochsComputed(): number {
    return this.epochs;
  }

  /** Registers a new identity with `stake` (units) and tier flag v (passed the required BAID tier). */
  addNode(stake: number, tierOk: boolean): NodeIndex {
    if (this.n >= this.cap) throw new RangeError(`capacity ${this.cap} exhausted`);
    const j = this.n++;
    this.stake[j] = Math.max(0, stake);
    this.tier[j] = tierOk ? 1 : 0;
    this.active[j] = 1;
    this.proofTopics.push(new Set());
    return j;
  }

  /** A new stake declaration (e.g. a binding version with another bond); a slashed identity keeps 0. */
  setStake(j: NodeIndex, stake: number): void {
    this.checkNode(j);
    if (!this.slashed[j]) this.stake[j] = Math.max(0, stake);
  }

  /** The identity reached (or lost, e.g. on revocation) the required BAID tier. */
  setTier(j: NodeIndex, tierOk: boolean): void {
    this.tier[this.checkNode(j)] = tierOk ? 1 : 0;
  }

  /** The identity leaves (e.g. re-enters under a new one); unfrozen stake is returned to it, frozen stays. */
  retire(j: NodeIndex): void {
    this.checkNode(j);
    this.active[j] = 0;
  }

  topicIndex(topic: string): number {
    const k = this.topicIx.get(topic);
    if (k === undefined) throw new RangeError(`topic: unknown ${topic}`);
    return k;
  }

  /** A verified receipt (the codec/identity layers verified the co-signatures). Self-receipts are ignored. */
  handleReceipt(r: Receipt): void {
    const k = this.topicIndex(r.topic);
    this.checkNode(r.requester);
    this.checkNode(r.worker);
    if (r.requester === r.worker) return;
    const rows = this.s[k] as Map<number, PairTrust>[];
    const row = rows[r.requester] ?? (rows[r.requester] = new Map());
    const rated = this.rated[k] as Uint32Array;
    rated[r.worker] = (rated[r.worker] as number) + 1;
    row.set(r.worker, accumulate(row.get(r.worker), receiptValue(r.outcome), r.ts, this.params.decay));
    const by = this.ratersOf[k] as Set<number>[];
    (by[r.worker] ?? (by[r.worker] = new Set())).add(r.requester);
    // The gate reacts at once, like slashing: a contradiction observed now must not wait for the epoch's recompute.
    if (this.features.gate && !this.slashed[r.worker])
      (this.g[k] as Float64Array)[r.worker] = this.liveGate(k, r.worker, r.ts);
  }

  /** min(1, n·t) of each rater, in topic k or (voiceStanding 'any') its best topic; all 1 for 'none'. */
  private standing(k: number, prev: Float64Array[], nActive: number): Float64Array {
    const n = (prev[k] as Float64Array).length;
    const out = new Float64Array(n).fill(1);
    const mode = this.params.voiceStanding;
    if (mode === 'none') return out;
    for (let i = 0; i < n; i++) {
      let best = (prev[k] as Float64Array)[i] as number;
      if (mode === 'any') for (const t of prev) best = Math.max(best, t[i] as number);
      out[i] = Math.min(1, nActive * best);
    }
    return out;
  }

  private voiceOf(i: number): number {
    return this.tier[i] ? 1 : this.params.unverifiedVoice;
  }

  /** Gate of j in topic k from the current votes, with rater weights and credibility of the last recompute. */
  private liveGate(k: number, j: number, now: number): number {
    const rows = this.s[k] as Map<number, PairTrust>[];
    const omega = this.omega[k];
    const omegaNeg = this.omegaNeg[k];
    let P = 0;
    let N = 0;
    for (const i of (this.ratersOf[k] as Set<number>[])[j] ?? []) {
      const pr = rows[i]?.get(j);
      if (!pr || !this.active[i]) continue;
      const v = Math.max(-1, Math.min(1, pairValue(pr, now, this.params.decay)));
      if (v > 0) P += (omega && i < omega.length ? (omega[i] as number) : this.voiceOf(i)) * v;
      else N -= (omegaNeg && i < omegaNeg.length ? (omegaNeg[i] as number) : this.voiceOf(i)) * v;
    }
    const c = this.cred[k];
    (this.support[k] as Float64Array)[j] = P;
    return consistency(P, N, this.params.gate) * (c && j < c.length ? (c[j] as number) : 1);
  }

  /**
   * A verified fraud proof: burn a fraction of stake, freeze the rest, gate 0 in every topic (docs/architecture.md §7, §6 T4).
   * A proof in a topic this ledger does not track (a fork in another log of the culprit) slashes all the same;
   * only the vouchers' credibility, which is per topic, has nothing to act on.
   */
  handleFraudProof(fp: FraudProof): void {
    this.checkNode(fp.culprit);
    if (!this.features.slash) return;
    const j = fp.culprit;
    const k = this.topicIx.get(fp.topic);
    if (k !== undefined) (this.proofTopics[j] as Set<number>).add(k);
    if (this.slashed[j]) return;
    this.slashed[j] = 1;
    const b = (this.stake[j] as number) * this.params.burnFraction;
    this.burnt[j] = b;
    this.frozen[j] = (this.stake[j] as number) - b;
    this.stake[j] = 0;
    for (const g of this.g) g[j] = 0;
    if (this.features.gate && k !== undefined) this.discredit(k, j, fp.ts);
  }

  /**
   * Live credibility: once j is proven in topic k, everyone who praised j in k loses credibility now (not at the
   * next recompute), so a collective's other members and its spies are gated as soon as one member is proven.
   */
  private discredit(k: number, j: number, now: number): void {
    const rows = this.s[k] as Map<number, PairTrust>[];
    const cred = this.cred[k];
    for (const i of (this.ratersOf[k] as Set<number>[])[j] ?? []) {
      const row = rows[i];
      if (!row || this.slashed[i]) continue;
      let V = 0;
      for (const [w, pr] of row)
        if (this.proofTopics[w]?.has(k)) V += Math.max(0, Math.min(1, pairValue(pr, now, this.params.decay)));
      const c = credibility(V, this.params.gate);
      if (cred && i < cred.length) cred[i] = Math.min(cred[i] as number, c);
      const g = this.g[k] as Float64Array;
      g[i] = Math.min(g[i] as number, c);
    }
  }

  /** Recomputes every topic's trust in one injected power-iteration call, then publishes; returns entries sent. */
  recompute(now: number, iterate: PowerIterate): number {
    const n = this.n;
    const T = this.topics.length;
    const P = this.params;
    const active = this.active.subarray(0, n);
    let nActive = 0;
    for (let j = 0; j < n; j++) if (active[j]) nActive++;
    const prev = this.t.map((t) => t.subarray(0, n));
    if (this.epochs === 0) for (const t of prev) t.set(uniformOver(active));
    const dropped = (j: number) => !active[j] || (this.features.slash && this.slashed[j] === 1);
    const sRows = this.s.map((rows) =>
      Array.from({ length: n }, (_, i) => {
        const r = rows[i];
        if (!r || !active[i]) return undefined;
        const m = new Map<number, number>();
        for (const [j, pr] of r) m.set(j, pairValue(pr, now, P.decay));
        return m;
      }),
    );
    const newGates = this.features.gate || this.features.slash ? this.computeGates(n, sRows, prev) : undefined;
    const sig = new Float64Array(n);
    for (let j = 0; j < n; j++) sig[j] = stakeScore(this.stake[j] as number, P.stakeRef);
    const input = this.topics.map((_, k) => {
      const g = newGates?.[k] ?? new Float64Array(n).fill(1);
      this.g[k]?.set(g);
      const voice = new Float64Array(n);
      // A rater's voice in C: its gate and tier, and (as for praise in the gate) its standing in this topic, so
      // a collective without standing here cannot multiply its pretrust by cycling it (amplification 1/a).
      const stand = this.standing(k, prev, nActive);
      for (let i = 0; i < n; i++)
        voice[i] = (g[i] as number) * this.voiceOf(i) * (this.features.gate ? (stand[i] as number) : 1);
      const p =
        this.features.pretrust === 'uniform'
          ? uniformOver(active)
          : pretrust(
              g,
              sig,
              bridge(k, this.W, prev, nActive, P.bridgeCap),
              this.tier.subarray(0, n),
              active,
              P.weights,
            );
      const c = normalise(n, sRows[k] as (Map<number, number> | undefined)[], newGates ? voice : undefined, dropped);
      return { c, p };
    });
    const out = iterate({ n, topics: input, alpha: P.alpha, epsilon: P.epsilon, maxIter: P.maxIter });
    let sent = 0;
    this.lastSent = this.topics.map(() => []);
    for (let k = 0; k < T; k++) {
      const t = out.t[k] as Float64Array;
      (this.t[k] as Float64Array).set(t);
      const v = (this.view[k] as Float64Array).subarray(0, n);
      sent +=
        this.features.exchange === 'full'
          ? exchangeFull(v, t)
          : exchangeDelta(v, t, nActive, P.exchange, this.lastSent[k]);
    }
    this.entries += sent;
    this.epochs++;
    return sent;
  }

  /** Gates of every topic (./pretrust.ts): consistency × credibility, 0 when slashed; all-ones parts when off. */
  private computeGates(n: number, sRows: (Map<number, number> | undefined)[][], prev: Float64Array[]): Float64Array[] {
    const P = this.params;
    const slashed = this.features.slash ? this.slashed.subarray(0, n) : new Uint8Array(n);
    let nActive = 0;
    for (let j = 0; j < n; j++) if (this.active[j]) nActive++;
    return this.topics.map((_, k) => {
      const rows = sRows[k] as (Map<number, number> | undefined)[];
      const cred = new Float64Array(n).fill(1);
      if (this.features.gate && this.features.slash) {
        for (let i = 0; i < n; i++) {
          let V = 0;
          for (const [j, s] of rows[i] ?? []) if (s > 0 && this.proofTopics[j]?.has(k)) V += Math.min(1, s);
          cred[i] = credibility(V, P.gate);
        }
      }
      if (!this.features.gate) {
        const g = new Float64Array(n);
        for (let j = 0; j < n; j++) g[j] = slashed[j] ? 0 : 1;
        return g;
      }
      const t = prev[k] as Float64Array;
      const gPrev = this.g[k] as Float64Array;
      const w = new Float64Array(n);
      const wc = new Float64Array(n);
      for (let i = 0; i < n; i++) {
        wc[i] = (gPrev[i] as number) * (cred[i] as number) * this.voiceOf(i);
        w[i] = Math.min(1, nActive * (t[i] as number)) * (wc[i] as number);
      }
      this.omega[k] = w;
      this.omegaNeg[k] = wc;
      this.cred[k] = cred;
      const votes = rows.map((r) => r && new Map([...r].map(([j, s]) => [j, Math.max(-1, Math.min(1, s))])));
      return gates(n, votes, w, wc, cred, slashed, P.gate, (this.support[k] as Float64Array).subarray(0, n));
    });
  }

  /** Published (exchanged) trust of j in a topic times its live gate, 0 if slashed or departed. */
  reputation(topic: string, j: NodeIndex): number {
    const k = this.topicIndex(topic);
    this.checkNode(j);
    if (!this.active[j] || (this.features.slash && this.slashed[j])) return 0;
    const g = this.features.gate ? ((this.g[k] as Float64Array)[j] as number) : 1;
    return g * ((this.view[k] as Float64Array)[j] as number);
  }

  /**
   * What provider selection weighs: the reputation times, with the gate, the selector's certainty about j in the
   * topic (./pretrust.ts certainty). Local to the selector: not published, not what others see of j.
   */
  selectionScore(topic: string, j: NodeIndex): number {
    return this.reputation(topic, j) * this.certaintyOf(this.topicIndex(topic), j);
  }

  /** Selection certainty of j in topic k from its weighted praise there (1 without the gate). */
  certaintyOf(k: number, j: NodeIndex): number {
    return this.features.gate ? certainty((this.support[k] as Float64Array)[j] as number, this.params.certainty) : 1;
  }

  /** The entries (node, published value) the last recompute sent in a topic (delta exchange; empty for full). */
  sentEntries(topic: string): { j: NodeIndex; value: number }[] {
    const k = this.topicIndex(topic);
    return (this.lastSent[k] ?? []).map((j) => ({ j, value: (this.view[k] as Float64Array)[j] as number }));
  }

  /** Locally computed (not necessarily published) trust of j in a topic. */
  trust(topic: string, j: NodeIndex): number {
    return (this.t[this.topicIndex(topic)] as Float64Array)[this.checkNode(j)] as number;
  }

  gate(topic: string, j: NodeIndex): number {
    return (this.g[this.topicIndex(topic)] as Float64Array)[this.checkNode(j)] as number;
  }

  /**
   * Flagged as malicious. With a gate or slashing: slashed, or gate below flagThreshold in some topic. Plain
   * EigenTrust has neither, so its flag is the textbook one: in some topic where j was rated at least 3 times, its
   * trust is below flagThreshold/2 of the uniform share 1/n (rated, and still distrusted).
   */
  flagged(j: NodeIndex): boolean {
    this.checkNode(j);
    if (this.slashed[j]) return true;
    if (this.features.gate) return this.g.some((g) => (g[j] as number) < this.params.flagThreshold);
    if (this.features.slash) return false;
    let nActive = 0;
    for (let i = 0; i < this.n; i++) if (this.active[i]) nActive++;
    return this.t.some(
      (t, k) =>
        ((this.rated[k] as Uint32Array)[j] as number) >= 3 &&
        (t[j] as number) < this.params.flagThreshold / 2 / nActive,
    );
  }

  tierOk(j: NodeIndex): boolean {
    return this.tier[this.checkNode(j)] === 1;
  }
  isSlashed(j: NodeIndex): boolean {
    return this.slashed[this.checkNode(j)] === 1;
  }
  stakeOf(j: NodeIndex): { unfrozen: number; frozen: number; burnt: number } {
    this.checkNode(j);
    return { unfrozen: this.stake[j] as number, frozen: this.frozen[j] as number, burnt: this.burnt[j] as number };
  }

  private checkNode(j: NodeIndex): NodeIndex {
    if (!Number.isInteger(j) || j < 0 || j >= this.n) throw new RangeError(`node: ${j} not in 0..${this.n - 1}`);
    return j;
  }
}
