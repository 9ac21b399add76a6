// Best responses and payoffs on small games whose numbers are computed by hand in the comments.
// Task value v(G) = V·(Σ skill of good work / scale)², V = 12, scale = 3.
import { describe, expect, it } from 'vitest';
import { honestProfile, optimalWelfare, play, type AgentType, type Instance } from '../../src/core/market/game.js';
import { applyEdit, naiveMechanism, type EditOp, type Mechanism } from '../../src/core/market/mechanism.js';
import { bestDeviation } from '../../src/sim/market/search.js';
import type { Family } from '../../src/core/market/strategies.js';

const inst = (...agents: Partial<AgentType>[]): Instance => ({
  value: 12,
  scale: 3,
  auditCost: 0.3,
  agents: agents.map((a) => ({ cost: 1, skill: 3, rel: 1, tier: 2, ...a })),
});
const mech = (...ops: EditOp[]): Mechanism => (ops.length ? applyEdit(naiveMechanism(), { ops }) : naiveMechanism());
const best = (i: Instance, m: Mechanism, agent: number, f: Family) =>
  bestDeviation(i, m, agent, f, play(i, m, honestProfile(i)));
const DELIVERY: EditOp = { clause: 'reward', field: 'basis', value: 'delivery' };

describe('best responses under the naive mechanism (equal split of 80% of the value, paid on award)', () => {
  const one = inst({});
  it('pays 9.6 on award; withholding saves the cost of 1', () => {
    const h = play(one, naiveMechanism(), honestProfile(one));
    expect(h.utility[0]).toBeCloseTo(8.6, 9); // 0.8·12 − 1
    const w = best(one, naiveMechanism(), 0, 'withhold')!;
    expect(w.gain).toBeCloseTo(1, 9);
    expect(w.deviant.welfare).toBeCloseTo(0, 9); // nothing delivered, nothing spent
    const s = best(one, naiveMechanism(), 0, 'shirk')!;
    expect(s.strategy.param).toBe(0); // the best effort is none at all
    expect(s.gain).toBeCloseTo(1, 9);
  });

  it('Sybil identities multiply shares of the award; a required tier of 2 shuts them out', () => {
    // Two fakes (claimed rel 0.5 each): claimed E[v] = 0.25·12 + 0.5·48 + 0.25·108 = 54, pool 43.2, all of it to the owner.
    const s = best(one, naiveMechanism(), 0, 'sybil')!;
    expect(s.strategy.param).toBe(2);
    expect(s.gain).toBeCloseTo(43.2 - 1 - 8.6, 9);
    expect(best(one, mech({ clause: 'tier', field: 'required', value: 2 }), 0, 'sybil')).toBeUndefined();
  });
});

describe('team tasks (two agents, skill 1.5 each: v(both) = 12, v(one) = 3)', () => {
  const pair = inst({ cost: 4, skill: 1.5 }, { cost: 4, skill: 1.5 });
  it('free-riding pays 0.4 under an unaudited equal split on delivery, and is closed by audit + deposit', () => {
    const m = mech(DELIVERY);
    expect(play(pair, m, honestProfile(pair)).utility[0]).toBeCloseTo(0.8, 9); // 9.6/2 − 4
    const f = best(pair, m, 0, 'freeride')!;
    expect(f.gain).toBeCloseTo(0.4, 9); // pool 0.8·3 = 2.4 split in two: 1.2, no cost
    const audited = applyEdit(m, {
      ops: [
        { clause: 'audit', field: 'rateBp', value: 5000 },
        { clause: 'deposit', field: 'amount', value: 2000 },
        { clause: 'slash.bad_work', field: 'bp', value: 10_000 },
      ],
    });
    // Caught half the time: −2 (slashed, unpaid); else 1.2 → −0.4 against honest 0.8.
    expect(best(pair, audited, 0, 'freeride')).toBeUndefined();
    const h = play(pair, audited, honestProfile(pair));
    expect(h.utility[0]).toBeCloseTo(0.8, 9); // audits check effort: an honest agent is never slashed
    expect(h.welfare).toBeCloseTo(12 - 8 - 0.3 * 0.5 * 2, 9);
  });

  it('false disputes take a teammate’s share when upheld on the word; a verified dispute costs the bond', () => {
    const cheap = inst({ skill: 1.5 }, { skill: 1.5 });
    const m = mech(DELIVERY);
    const d = best(cheap, m, 0, 'false_dispute')!;
    expect(d.strategy.param).toBe(1);
    expect(d.gain).toBeCloseTo(9.6 - 1 - 3.8, 9); // the whole pool instead of half
    const verified = applyEdit(m, {
      ops: [
        { clause: 'dispute', field: 'procedure', value: 'verified' },
        { clause: 'dispute', field: 'bond', value: 1000 },
      ],
    });
    expect(best(cheap, verified, 0, 'false_dispute')).toBeUndefined();
    const tried = play(cheap, verified, [{ ...honestProfile(cheap)[0]!, dispute: 1 }, honestProfile(cheap)[1]!]);
    expect(tried.bondLoss[0]).toBeCloseTo(1, 9);
    expect(tried.welfare).toBeCloseTo(12 - 2 - 0.3, 9); // the verification audit is a real cost
  });
});

describe('bids', () => {
  const one = inst({});
  it('pay-as-bid rewards shading up by exactly the excess; a Shapley split ignores one’s own bid', () => {
    const m = mech(DELIVERY, { clause: 'reward', field: 'rule', value: 'fixed' });
    const s = best(one, m, 0, 'shade')!;
    expect(s.strategy.param).toBeGreaterThanOrEqual(5);
    expect(s.gain).toBeCloseTo(s.strategy.param - 1, 9);
    expect(
      best(one, mech(DELIVERY, { clause: 'reward', field: 'rule', value: 'shapley' }), 0, 'shade'),
    ).toBeUndefined();
  });

  it('the scoring rule only awards bidders whose expected pay covers their bid', () => {
    const i = inst({ skill: 1.5 }, { cost: 5.5, skill: 1.5 });
    // All on the team, equal split of 9.6: agent 1 gets 4.8 < 5.5, an IR violation.
    expect(play(i, mech(DELIVERY), honestProfile(i)).utility[1]).toBeCloseTo(-0.7, 9);
    // Scoring: {0,1} scores 12 − 6.5 but fails agent 1's pay check; {0} scores 3 − 1 and passes (pay 2.4).
    const s = play(i, mech(DELIVERY, { clause: 'alloc', field: 'rule', value: 'scoring' }), honestProfile(i));
    expect(s.team).toEqual([0]);
    expect(s.utility).toEqual([expect.closeTo(1.4, 9), 0]);
    // With the whole value in the pool each gets 6 ≥ 5.5: both are hired.
    const full = play(
      i,
      mech(
        DELIVERY,
        { clause: 'alloc', field: 'rule', value: 'scoring' },
        { clause: 'reward', field: 'poolBp', value: 10_000 },
      ),
      honestProfile(i),
    );
    expect(full.team).toEqual([0, 1]);
  });
});

describe('collusion and the other allocation rules', () => {
  const trio = inst({ skill: 1 }, { skill: 1 }, { skill: 1 });
  it('two agents inflating their bids together take pool from the third under a proportional split', () => {
    const m = mech(DELIVERY, { clause: 'reward', field: 'rule', value: 'proportional' });
    expect(play(trio, m, honestProfile(trio)).utility[0]).toBeCloseTo(2.2, 9); // 9.6/3 − 1
    const c = best(trio, m, 0, 'collude')!;
    // Bids 5, 5, 1: each colluder gets 9.6·5/11; joint gain 2·(48/11 − 3.2).
    expect(c.strategy).toMatchObject({ partner: 1, param: 5 });
    expect(c.gain).toBeCloseTo(2 * (48 / 11 - 3.2), 9);
    expect(
      best(trio, mech(DELIVERY, { clause: 'reward', field: 'rule', value: 'shapley' }), 0, 'collude'),
    ).toBeUndefined();
  });

  it('lowest bid and reputation pick k bidders by bid and by public reliability', () => {
    const i = inst({ cost: 3, rel: 0.9 }, { cost: 1, rel: 0.7 }, { cost: 2, rel: 0.8 });
    const k = (rule: string) =>
      mech({ clause: 'alloc', field: 'rule', value: rule }, { clause: 'alloc', field: 'teamSize', value: 2 });
    expect(play(i, k('lowest_bid'), honestProfile(i)).team).toEqual([1, 2]);
    expect(play(i, k('reputation'), honestProfile(i)).team).toEqual([0, 2]);
    expect(play(i, k('all'), honestProfile(i)).team).toEqual([0, 1]); // the first k bidders
  });
});

describe('full-information optimum', () => {
  it('hires the unreliable expensive agent when the complement is worth it', () => {
    // {0}: 12 − 1 = 11; {1}: 0.5·12 − 10 = −4; {0,1}: 0.5·48 + 0.5·12 − 11 = 19.
    const o = optimalWelfare(inst({}, { rel: 0.5, cost: 10 }));
    expect(o.team).toEqual([0, 1]);
    expect(o.welfare).toBeCloseTo(19, 9);
    expect(optimalWelfare(inst({ cost: 20 })).team).toEqual([]);
  });
});
