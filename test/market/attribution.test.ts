import { describe, expect, it } from 'vitest';
import { attribute, type AttributionInput, type Trajectory } from '../../src/core/market/attribution.js';
import { applyEdit, describeEdit, naiveMechanism, type Mechanism } from '../../src/core/market/mechanism.js';

const t = (o: Partial<Trajectory>): Trajectory => ({
  kind: 'ic',
  family: 'shirk',
  description: '',
  instance: 0,
  agent: 0,
  gain: 1,
  onTeam: true,
  teamSize: 3,
  pay: 2,
  slash: 0,
  bondLoss: 0,
  effortCost: 0,
  badProb: 1,
  sybilTiers: [],
  targetGoodProb: 0,
  ...o,
});
const input = (mechanism: Mechanism, trajectories: Trajectory[], rejected: string[] = []): AttributionInput => ({
  mechanism,
  trajectories,
  systemLoss: 0.5,
  taskValue: 12,
  rejected,
});
const delivery = applyEdit(naiveMechanism(), { ops: [{ clause: 'reward', field: 'basis', value: 'delivery' }] });

describe('built-in attributor', () => {
  it('maps each failing trajectory to the clause it exploited, heaviest total gain first', () => {
    const p = attribute(
      input(naiveMechanism(), [
        t({ family: 'sybil', sybilTiers: [1, 1], gain: 30 }),
        t({ family: 'withhold', gain: 1 }),
        t({ family: 'shirk', gain: 1 }),
        t({ family: 'false_dispute', gain: 4, targetGoodProb: 0.8 }),
      ]),
    );
    expect(p.map((x) => x.clauses)).toEqual([['tier'], ['dispute'], ['reward'], ['reward'], ['reward']]);
    expect(describeEdit(naiveMechanism(), p[0]!.edit)).toBe('tier.required 0->2'); // one above the Sybils' tier
    expect(p[0]!.attribution).toBe('1 sybil -> tier: Sybil identities (tier 1) pass the required tier');
    // Bond = 1.5 × gain / P(target good) = 7.5 credits.
    expect(describeEdit(naiveMechanism(), p[1]!.edit)).toBe('dispute.procedure accept->verified; dispute.bond 0->7500');
    expect(describeEdit(naiveMechanism(), p[2]!.edit)).toBe('reward.basis award->delivery');
    expect(p[2]!.attribution).toMatch(/^1 withhold, 1 shirk -> reward/);
    // Then the loss-driven candidates: pool +10%, pool to 100%.
    expect(p.slice(3).map((x) => describeEdit(naiveMechanism(), x.edit))).toEqual([
      'reward.poolBp 8000->9000',
      'reward.poolBp 8000->10000',
    ]);
  });

  it('sizes the deposit so that the expected slash exceeds the observed gain', () => {
    const first = attribute(input(delivery, [t({ gain: 0.5, pay: 1, badProb: 1 })]))[0]!;
    // No audits yet: 10% audits, full slashing, deposit 1.2 × (gain + pay) / (0.1 × 1) = 18 credits.
    expect(describeEdit(delivery, first.edit)).toBe(
      'audit.rateBp 0->1000; slash.bad_work.bp 0->10000; deposit.amount 0->18000',
    );
    expect(describeEdit(delivery, attribute(input(delivery, [t({ gain: 5 })]))[0]!.edit)).toMatch(
      /deposit.amount 0->24000$/,
    ); // capped at 2 × V
    const audited = applyEdit(delivery, first.edit);
    const more = attribute(input(audited, [t({ gain: 0.2, badProb: 0.5 }), t({ gain: 0.1, badProb: 1 })]))[0]!;
    // The largest requirement wins: 18 + 1.2 × 0.2 / (0.1 × 1 × 0.5) = 22.8 credits (the other needs 19.2).
    expect(describeEdit(audited, more.edit)).toBe('deposit.amount 18000->22800');
    // Beyond 2 × V the deposit stops and the audit rate doubles instead.
    expect(describeEdit(audited, attribute(input(audited, [t({ gain: 5 })]))[0]!.edit)).toBe('audit.rateBp 1000->2000');
  });

  it('turns IR violations into the scoring rule and never repeats a rolled-back or no-op edit', () => {
    const ir = t({ kind: 'ir', family: 'honest', gain: 0.7 });
    const p = attribute(input(delivery, [ir]));
    expect(describeEdit(delivery, p[0]!.edit)).toBe('alloc.rule all->scoring');
    expect(describeEdit(delivery, p[1]!.edit)).toBe('alloc.rule all->scoring; reward.rule equal->shapley');
    const again = attribute(input(delivery, [ir], ['alloc.rule all->scoring']));
    expect(describeEdit(delivery, again[0]!.edit)).toBe('alloc.rule all->scoring; reward.rule equal->shapley');
    // Withholding under pay on delivery with the deposit already large enough: only the slashing op remains.
    const staked = applyEdit(delivery, { ops: [{ clause: 'deposit', field: 'amount', value: 50_000 }] });
    expect(describeEdit(staked, attribute(input(staked, [t({ family: 'withhold' })]))[0]!.edit)).toBe(
      'slash.no_delivery.bp 0->10000',
    );
  });
});
