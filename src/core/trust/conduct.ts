// Local conduct (docs/decisions.md "Local conduct from attributable rejections", docs/trust.md): what this
// node has itself seen an author do against its rules, kept per author and never exchanged. Sans-I/O: every
// input carries `now` (ms).
//
// Only violations that are provably the author's doing count: a message bearing the author's valid signature
// that breaks a rule. Today that is one case, the flood gate refusing a *fresh* signed entry beyond the
// author's entry budget (core/gossip/gate.ts: the signature is checked, replays and duplicates cost nothing). A
// forged, unsigned or mis-signed message names whoever the forger likes, so it can never lower anyone's
// conduct; body and entry requests name their requester in an unsigned field, so refusing them is not
// attributable either; equivocation already has its own, stronger evidence (fork proofs: slashing).
//
// Debt and factor, per author a:
//   D_a(t) = Σ_k w_k · 2^(−(t − t_k) / H)        each violation k adds its weight w_k (1 per refused entry)
//   c_a(t) = 1 / (1 + D_a(t) / D½)                in (0, 1]; 1 with no debt, ½ at D½, → 0 under a sustained flood
// H = halfLifeMs: an author that stops misbehaving gets back half of what it lost every H. D½ = halfDebt: the
// number of recent refusals at which this node halves its trust in the author. The factor multiplies the trust
// this node assigns to the author (node-trust.ts trustOf / rank / view), never the published reputation.
//
// Memory is bounded: at most `maxAuthors` records; when full, the record with the least current debt (the most
// nearly forgiven) is dropped. Making new authors costs a binding each, so a flooder cannot evict cheaply.

export interface ConductParams {
  /** H, ms (> 0): the debt halves every H without new violations. */
  readonly halfLifeMs: number;
  /** D½ (> 0): recent refusals that halve the factor. */
  readonly halfDebt: number;
  /** Authors tracked at most (>= 1). */
  readonly maxAuthors: number;
}

/** H = 1 h (trust forgives a flood within hours, not minutes); D½ = 50 refused entries; 4096 authors. */
export const DEFAULT_CONDUCT: ConductParams = { halfLifeMs: 3_600_000, halfDebt: 50, maxAuthors: 4096 };

/** What an attributable violation was (status breakdown). */
export type ConductViolation = 'entry_rate';

interface Rec {
  debt: number;
  at: number;
  readonly counts: Record<ConductViolation, number>;
}

export interface ConductEntry {
  readonly agent: string;
  readonly factor: number;
  readonly debt: number;
  readonly violations: Readonly<Record<ConductViolation, number>>;
}

export class Conduct {
  private readonly recs = new Map<string, Rec>();
  /** Attributable violations recorded since creation. */
  violations = 0;

  constructor(readonly params: ConductParams = DEFAULT_CONDUCT) {
    if (!(params.halfLifeMs > 0)) throw new RangeError(`Conduct: halfLifeMs ${params.halfLifeMs} must be > 0`);
    if (!(params.halfDebt > 0)) throw new RangeError(`Conduct: halfDebt ${params.halfDebt} must be > 0`);
    if (!Number.isInteger(params.maxAuthors) || params.maxAuthors < 1)
      throw new RangeError(`Conduct: maxAuthors ${params.maxAuthors} must be an integer >= 1`);
  }

  /**
   * An attributable violation by `agent` (hex key): the caller has checked the author's signature on the
   * offending message. `weight` > 0 (1 per refused entry).
   */
  handleViolation(now: number, agent: string, kind: ConductViolation, weight = 1): void {
    if (!(weight > 0)) throw new RangeError(`Conduct.handleViolation: weight ${weight} must be > 0`);
    let r = this.recs.get(agent);
    if (!r) {
      if (this.recs.size >= this.params.maxAuthors) this.evict(now);
      r = { debt: 0, at: now, counts: { entry_rate: 0 } };
      this.recs.set(agent, r);
    }
    r.debt = this.debtAt(r, now) + weight;
    r.at = Math.max(r.at, now);
    r.counts[kind]++;
    this.violations++;
  }

  /** c_a(now) in (0, 1]; 1 for an author never seen misbehaving. */
  factor(agent: string, now: number): number {
    const r = this.recs.get(agent);
    return r ? 1 / (1 + this.debtAt(r, now) / this.params.halfDebt) : 1;
  }

  /** Authors with a record, lowest factor first (GET /trust, status). */
  entries(now: number, n = 10): ConductEntry[] {
    return [...this.recs]
      .map(([agent, r]) => ({
        agent,
        factor: this.factor(agent, now),
        debt: this.debtAt(r, now),
        violations: { ...r.counts },
      }))
      .sort((a, b) => a.factor - b.factor || (a.agent < b.agent ? -1 : 1))
      .slice(0, n);
  }

  status(now: number) {
    return {
      halfLifeMs: this.params.halfLifeMs,
      halfDebt: this.params.halfDebt,
      violations: this.violations,
      tracked: this.recs.size,
      lowest: this.entries(now, 5),
    };
  }

  /** D(now): the debt decayed from its last update (a clock going backwards decays nothing). */
  private debtAt(r: Rec, now: number): number {
    return r.debt * 2 ** (-Math.max(0, now - r.at) / this.params.halfLifeMs);
  }

  private evict(now: number): void {
    let least: string | undefined;
    let min = Infinity;
    for (const [a, r] of this.recs) {
      const d = this.debtAt(r, now);
      if (d < min) [least, min] = [a, d];
    }
    if (least !== undefined) this.recs.delete(least);
  }
}
