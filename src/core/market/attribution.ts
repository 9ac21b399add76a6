// Semantic attribution (docs/architecture.md §8): map each failing trajectory to the mechanism clauses it
// exploited and propose edits to them (the "semantic gradient"). Attributors are pluggable behind one
// interface; this file has the interface and the built-in deterministic attributor, whose rules read
// only trajectory features (what the deviator did, what it was paid, slashed, spent) and the clauses
// in force. The LLM adapter (src/runtime/llm-attributor.ts) implements the same interface.
//
// The built-in rules, in words (docs/mechanisms.md lists them as a table):
// - paid without delivering (withhold, and shirk/freeride while pay is due on award) → reward.basis:
//   pay on delivery, from the value actually delivered;
// - paid for bad or token work (shirk, freeride, Sybil identities that pass the tier) → audit,
//   slash.bad_work, deposit: audit a fraction of deliveries and burn the deposit of bad work, the
//   deposit sized from the observed gain so that the expected slash exceeds it;
// - extra pay from one's own bid (shade, collude) → reward.rule: split by Shapley value of claimed
//   contributions, so one's bid no longer enters one's pay; under lowest-bid → alloc.rule scoring;
// - Sybil identities on the team → tier: require one tier above the Sybils' (fresh keys stop there);
// - disputes upheld on the disputer's word → dispute: verified disputes with a bond sized from the gain;
// - honest agents losing money (IR) → alloc.rule scoring (award only bidders whose expected net pay
//   covers their bid); with scoring already, more of the value to the pool;
// - nothing failing → cut system loss: a larger pool share, cheaper audits at an equal deterrent.
// Candidates are ranked by the total gain of the trajectories behind them; the loop tries them in
// order, skipping those already rolled back at this version.

import {
  applyEdit,
  BP,
  clauseField,
  describeEdit,
  type ClauseId,
  type Edit,
  type EditOp,
  type Mechanism,
} from './mechanism.js';
import type { Family } from './strategies.js';

/** One failing trajectory, as features (what attribution may look at). */
export interface Trajectory {
  readonly kind: 'ic' | 'ir';
  readonly family: Family | 'honest';
  readonly description: string;
  readonly instance: number;
  readonly agent: number;
  /** IC: utility gained by the deviation; IR: the honest agent's loss (−utility). */
  readonly gain: number;
  readonly onTeam: boolean;
  readonly teamSize: number;
  /** Expected pay, slash, bond loss and effort cost of the deviator (all its identities). */
  readonly pay: number;
  readonly slash: number;
  readonly bondLoss: number;
  readonly effortCost: number;
  /** Probability that the deviator's own work is bad (1 − effort·reliability). */
  readonly badProb: number;
  /** Tiers of the deviator's extra identities that made the team (Sybil). */
  readonly sybilTiers: readonly number[];
  /** For disputes: probability that the disputed work was in fact good. */
  readonly targetGoodProb: number;
}

export interface AttributionInput {
  readonly mechanism: Mechanism;
  readonly trajectories: readonly Trajectory[];
  readonly systemLoss: number;
  /** Task value (credits), to scale deposits and bonds. */
  readonly taskValue: number;
  /** describeEdit() of the edits rolled back so far (from the same values): do not propose them again. */
  readonly rejected: readonly string[];
}

export interface Proposal {
  readonly edit: Edit;
  readonly clauses: readonly ClauseId[];
  readonly attribution: string;
}

export const ATTRIBUTOR_FAILURES = ['TIMEOUT', 'NETWORK', 'HTTP', 'MALFORMED', 'INVALID_EDIT', 'EMPTY'] as const;
export type AttributorFailureCode = (typeof ATTRIBUTOR_FAILURES)[number];
export interface AttributorFailure {
  readonly code: AttributorFailureCode;
  readonly message: string;
}

export type AttributorResult =
  | { readonly ok: true; readonly proposals: readonly Proposal[] }
  | { readonly ok: false; readonly failure: AttributorFailure };

export interface Attributor {
  readonly name: string;
  propose(input: AttributionInput): AttributorResult | Promise<AttributorResult>;
}

const milli = (credits: number) => Math.ceil(credits * 1000);

interface Bucket {
  ops: EditOp[];
  clauses: ClauseId[];
  why: string;
  weight: number;
  families: Map<string, number>;
}

/** The built-in deterministic attributor: rules from trajectory features to clause edits. */
export function builtinAttributor(): Attributor {
  return { name: 'builtin', propose: (input) => ({ ok: true, proposals: attribute(input) }) };
}

export function attribute(input: AttributionInput): Proposal[] {
  const m = input.mechanism;
  const a = m.audit.rateBp / BP;
  const bw = (m.slashing.bad_work ?? 0) / BP;
  const cap = milli(2 * input.taskValue);
  const buckets = new Map<string, Bucket>();
  const add = (key: string, clauses: ClauseId[], ops: EditOp[], why: string, t: Trajectory) => {
    let b = buckets.get(key);
    if (!b) buckets.set(key, (b = { ops, clauses, why, weight: 0, families: new Map() }));
    // Sizing rules take the largest requirement over the trajectories in the bucket.
    b.ops = b.ops.map((o, i) =>
      typeof o.value === 'number' && typeof ops[i]?.value === 'number'
        ? { ...o, value: Math.max(o.value, ops[i]!.value as number) }
        : o,
    );
    b.weight += Math.max(t.gain, 1e-3);
    b.families.set(t.family, (b.families.get(t.family) ?? 0) + 1);
  };
  const deterrent = (t: Trajectory) => {
    // Expected slash must exceed the gain: a·bw·pBad·Δd ≥ gain, with 20% margin (audits and the deposit are both public).
    if (a === 0 || bw === 0 || m.deposit === 0) {
      const rate = Math.max(m.audit.rateBp, 1000);
      const d = Math.min(cap, milli((1.2 * (t.gain + t.pay)) / ((rate / BP) * Math.max(t.badProb, 0.1))));
      return add(
        'deter:init',
        ['audit', 'slash.bad_work', 'deposit'],
        [
          { clause: 'audit', field: 'rateBp', value: rate },
          { clause: 'slash.bad_work', field: 'bp', value: BP },
          { clause: 'deposit', field: 'amount', value: Math.max(d, m.deposit) },
        ],
        'paid for bad work nobody checks: audit deliveries and burn the deposit of bad work',
        t,
      );
    }
    const need = m.deposit + milli((1.2 * t.gain) / (a * bw * Math.max(t.badProb, 0.1)));
    if (need <= cap)
      return add(
        'deter:deposit',
        ['deposit'],
        [{ clause: 'deposit', field: 'amount', value: need }],
        'the expected slash is below the gain: raise the deposit',
        t,
      );
    return add(
      'deter:audit',
      ['audit'],
      [{ clause: 'audit', field: 'rateBp', value: Math.min(BP, m.audit.rateBp * 2) }],
      'the deposit needed is beyond reach: audit more often',
      t,
    );
  };
  for (const t of input.trajectories) {
    switch (t.family) {
      case 'withhold':
        if (m.reward.basis === 'award')
          add(
            'basis',
            ['reward'],
            [{ clause: 'reward', field: 'basis', value: 'delivery' }],
            'pay is due on award, before any work',
            t,
          );
        else
          add(
            'slash-nd',
            ['slash.no_delivery', 'deposit'],
            [
              { clause: 'slash.no_delivery', field: 'bp', value: BP },
              { clause: 'deposit', field: 'amount', value: Math.max(m.deposit, milli(1.2 * t.gain)) },
            ],
            'non-delivery costs nothing',
            t,
          );
        break;
      case 'shirk':
      case 'freeride':
        if (m.reward.basis === 'award')
          add(
            'basis',
            ['reward'],
            [{ clause: 'reward', field: 'basis', value: 'delivery' }],
            'pay is due on award, before any work',
            t,
          );
        else deterrent(t);
        break;
      case 'sybil': {
        const top = Math.max(...t.sybilTiers, -1);
        if (top >= m.requiredTier && top >= 0)
          add(
            'tier',
            ['tier'],
            [{ clause: 'tier', field: 'required', value: Math.min(4, top + 1) }],
            `Sybil identities (tier ${top}) pass the required tier`,
            t,
          );
        else if (m.reward.basis === 'award')
          add(
            'basis',
            ['reward'],
            [{ clause: 'reward', field: 'basis', value: 'delivery' }],
            'pay is due on award, before any work',
            t,
          );
        else deterrent(t);
        break;
      }
      case 'shade':
      case 'collude':
        if (m.reward.rule === 'fixed' || m.reward.rule === 'proportional')
          add(
            'rule',
            ['reward'],
            [{ clause: 'reward', field: 'rule', value: 'shapley' }],
            `pay grows with one's own bid (${m.reward.rule})`,
            t,
          );
        else if (m.alloc.rule !== 'scoring')
          add(
            'alloc',
            ['alloc'],
            [{ clause: 'alloc', field: 'rule', value: 'scoring' }],
            `bids change the team under ${m.alloc.rule} allocation`,
            t,
          );
        else if (m.reward.rule !== 'shapley')
          add(
            'rule',
            ['reward'],
            [{ clause: 'reward', field: 'rule', value: 'shapley' }],
            `the ${m.reward.rule} split rewards getting on the team over contributing`,
            t,
          );
        else
          add(
            'pool',
            ['reward'],
            [{ clause: 'reward', field: 'poolBp', value: Math.min(BP, m.reward.poolBp + 1000) }],
            'team composition is worth manipulating: pay out more of the value',
            t,
          );
        break;
      case 'false_dispute':
        if (m.dispute.procedure === 'accept') {
          add(
            'dispute',
            ['dispute'],
            [
              { clause: 'dispute', field: 'procedure', value: 'verified' },
              {
                clause: 'dispute',
                field: 'bond',
                value: Math.max(m.dispute.bond, milli((1.5 * t.gain) / Math.max(t.targetGoodProb, 0.1))),
              },
            ],
            'disputes are upheld on the word of the disputer',
            t,
          );
        } else {
          add(
            'bond',
            ['dispute'],
            [
              {
                clause: 'dispute',
                field: 'bond',
                value: m.dispute.bond + milli((1.5 * t.gain) / Math.max(t.targetGoodProb, 0.1)),
              },
            ],
            'the bond lost on a false dispute is below its gain',
            t,
          );
        }
        break;
      case 'honest':
        if (m.alloc.rule !== 'scoring') {
          add(
            'alloc',
            ['alloc'],
            [{ clause: 'alloc', field: 'rule', value: 'scoring' }],
            `honest agents are awarded tasks that pay less than they cost (${m.alloc.rule})`,
            t,
          );
          // Second choice, if scoring alone lets bids steer the team: scoring with a split in which one's own bid plays no part.
          if (m.reward.rule !== 'shapley')
            add(
              'alloc+shapley',
              ['alloc', 'reward'],
              [
                { clause: 'alloc', field: 'rule', value: 'scoring' },
                { clause: 'reward', field: 'rule', value: 'shapley' },
              ],
              `honest agents are awarded tasks that pay less than they cost (${m.alloc.rule}, ${m.reward.rule} split)`,
              { ...t, gain: t.gain / 2 },
            );
        } else if (t.slash > 0 && m.deposit > 0)
          add(
            'deposit-down',
            ['deposit'],
            [{ clause: 'deposit', field: 'amount', value: Math.floor(m.deposit / 2) }],
            'honest failures are slashed more than they earn',
            t,
          );
        else
          add(
            'pool',
            ['reward'],
            [{ clause: 'reward', field: 'poolBp', value: Math.min(BP, m.reward.poolBp + 1000) }],
            'the pool does not cover honest costs',
            t,
          );
        break;
    }
  }
  const proposals = [...buckets.values()]
    .sort((x, y) => y.weight - x.weight)
    .map((b) => ({
      edit: { ops: b.ops },
      clauses: b.clauses,
      attribution: `${[...b.families].map(([f, n]) => `${n} ${f}`).join(', ')} -> ${b.clauses.join(',')}: ${b.why}`,
    }));
  // Nothing failing (or everything rejected): reduce system loss at no cost in incentives.
  if (m.reward.rule === 'equal' && m.alloc.rule === 'scoring') {
    proposals.push({
      edit: { ops: [{ clause: 'reward', field: 'rule', value: 'shapley' }] },
      clauses: ['reward'],
      attribution: `system loss ${input.systemLoss.toFixed(3)} -> reward: an equal split under-pays strong contributors, who then fail the scoring rule's pay check; split by Shapley value`,
    });
  }
  for (const pool of new Set([Math.min(BP, m.reward.poolBp + 1000), BP])) {
    if (pool > m.reward.poolBp)
      proposals.push({
        edit: { ops: [{ clause: 'reward', field: 'poolBp', value: pool }] },
        clauses: ['reward'],
        attribution: `system loss ${input.systemLoss.toFixed(3)} -> reward: a larger pool keeps efficient agents on the team`,
      });
  }
  if (m.audit.rateBp > 250 && m.deposit > 0) {
    proposals.push({
      edit: {
        ops: [
          { clause: 'audit', field: 'rateBp', value: Math.floor(m.audit.rateBp / 2) },
          { clause: 'deposit', field: 'amount', value: Math.min(cap * 4, m.deposit * 2) },
        ],
      },
      clauses: ['audit', 'deposit'],
      attribution: `system loss ${input.systemLoss.toFixed(3)} -> audit: half the audits, twice the deposit (same deterrent, less audit cost)`,
    });
  }
  return proposals
    .map((p) => ({ ...p, edit: { ops: p.edit.ops.filter((o) => clauseField(m, o.clause, o.field) !== o.value) } }))
    .filter((p) => {
      const desc = describeEdit(m, p.edit);
      // Drop no-op edits and those already rolled back at this version.
      return p.edit.ops.length > 0 && !input.rejected.includes(desc) && applyEditChanges(m, p.edit);
    });
}

function applyEditChanges(m: Mechanism, e: Edit): boolean {
  const n = applyEdit(m, e);
  return JSON.stringify({ ...n, version: 0 }) !== JSON.stringify({ ...m, version: 0 });
}
