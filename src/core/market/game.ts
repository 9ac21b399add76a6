// The task game (docs/architecture.md §8): the requester (leader) commits to a Mechanism; agents (followers) with
// private costs best-respond to its rules. Everything here is a pure function of (instance,
// mechanism, conduct): expected utilities are computed exactly by enumerating every delivery and
// audit outcome, never sampled, so a deviation is "profitable" because the rules make it so and not
// because of sampling noise.
//
// Model (docs/mechanisms.md has the full statement):
// - a task worth V credits × (Σ skill of good deliveries / scale)². The square makes contributions
//   complements (a half-done team task is worth less than half), so Shapley shares sit below each
//   member's marginal value.
// - audits compare work with the declared effort: they catch shirked or token work, not honest bad
//   luck, so slashing on `bad_work` never hits an honest agent.
// - agent i: private cost c_i of full effort; public skill w_i (its capability declaration),
//   reliability q_i (its topic reputation) and verification tier. With effort e it spends e·c_i and
//   its work is good with probability e·q_i.
// - an identity bids, delivers or not, and may dispute a teammate. Sybil identities are extra
//   identities of one owner (fresh keys: tier 1, reputation FRESH_REP, work always bad).
// - audits: each delivery is audited with probability a at cost auditCost; shirked work found is
//   not paid and slashes the deposit. Payments, deposits, bonds and slashes are transfers; welfare is
//   delivered value minus effort and audit costs.

import { BP, type Mechanism } from './mechanism.js';
import { popcount, shapley } from './shapley.js';

export interface AgentType {
  /** Private cost of full effort (credits). */
  readonly cost: number;
  /** Public: contribution of good work to the task (capability declaration). */
  readonly skill: number;
  /** Public: probability that full-effort work is good (topic reputation, assumed accurate for real identities). */
  readonly rel: number;
  /** Public: highest verification tier passed (docs/architecture.md §6). */
  readonly tier: number;
}

export interface Instance {
  readonly value: number;
  readonly scale: number;
  readonly auditCost: number;
  readonly agents: readonly AgentType[];
}

/** What one identity in the task does. Honest conduct: bid = cost, effort 1, deliver, no dispute. */
export interface Identity {
  readonly owner: number;
  readonly skill: number;
  /** Public reputation the mechanism sees. */
  readonly rel: number;
  readonly tier: number;
  /** Probability that this identity's full-effort work is actually good. */
  readonly trueRel: number;
  readonly bid: number;
  readonly effort: number;
  readonly deliver: boolean;
  /** Index (in the profile) of a teammate this identity disputes, or -1. */
  readonly dispute: number;
  /** False for Sybil identities: they cost their owner nothing to run and count for no one's IR. */
  readonly real: boolean;
}
export type Profile = readonly Identity[];

/** Reputation of a key nobody has rated yet (the MG-EigenTrust prior of a fresh identity). */
export const FRESH_REP = 0.5;
/** Tier a fresh self-made key reaches without an operator's KYC or registry attestation. */
export const SYBIL_TIER = 1;

export function honestProfile(inst: Instance): Identity[] {
  return inst.agents.map((a, i) => ({
    owner: i,
    skill: a.skill,
    rel: a.rel,
    tier: a.tier,
    trueRel: a.rel,
    bid: a.cost,
    effort: 1,
    deliver: true,
    dispute: -1,
    real: true,
  }));
}

export function taskValue(inst: Instance, skillSum: number): number {
  const s = skillSum / inst.scale;
  return inst.value * s * s;
}

/** E[v(good set)] when member k's work is good with probability p[k]. */
export function expectedValue(inst: Instance, skills: readonly number[], p: readonly number[]): number {
  const n = skills.length;
  let ev = 0;
  for (let m = 0; m < 1 << n; m++) {
    let pr = 1;
    let sum = 0;
    for (let k = 0; k < n; k++) {
      if (m & (1 << k)) {
        pr *= p[k]!;
        sum += skills[k]!;
      } else pr *= 1 - p[k]!;
    }
    if (pr > 0) ev += pr * taskValue(inst, sum);
  }
  return ev;
}

export interface Outcome {
  /** Profile indices of the awarded team. */
  readonly team: readonly number[];
  /** Expected utility per agent (owner index), all of its identities together. */
  readonly utility: readonly number[];
  /** Expected pay, slash and bond loss per profile identity (0 off the team). */
  readonly pay: readonly number[];
  readonly slash: readonly number[];
  readonly bondLoss: readonly number[];
  readonly welfare: number;
  readonly expectedValue: number;
}

const rate = (bp: number | undefined) => (bp ?? 0) / BP;
/** The spec counts money in integer milli-credits (mechanism.ts); the game in credits. */
const credits = (milli: number) => milli / 1000;

/**
 * Exact expected payoffs of `profile` under `mech` for a fixed `team` (profile indices).
 * Enumerates good / bad-caught-by-audit / bad-unnoticed for every delivering member.
 */
export function settle(inst: Instance, mech: Mechanism, profile: Profile, team: readonly number[]): Outcome {
  const a = rate(mech.audit.rateBp);
  const k = team.length;
  const pay = new Array<number>(profile.length).fill(0);
  const slash = new Array<number>(profile.length).fill(0);
  const bondLoss = new Array<number>(profile.length).fill(0);
  const pos = new Map(team.map((idx, j) => [idx, j] as const));
  const skills = team.map((i) => profile[i]!.skill);
  const claimedValue = (mask: number) => {
    let s = 0;
    for (let j = 0; j < k; j++) if (mask & (1 << j)) s += skills[j]!;
    return taskValue(inst, s);
  };
  const shapleyMemo = new Map<number, number[]>();
  const award = mech.reward.basis === 'award';
  const pool0 = award
    ? rate(mech.reward.poolBp) *
      expectedValue(
        inst,
        skills,
        team.map((i) => profile[i]!.rel),
      )
    : 0;
  const slashNd = rate(mech.slashing.no_delivery) * credits(mech.deposit);
  const slashBw = rate(mech.slashing.bad_work) * credits(mech.deposit);
  const bond = credits(mech.dispute.bond);
  const verified = mech.dispute.procedure === 'verified';
  // status per member: 0 good, 1 shirked and caught by the audit, 2 bad and unnoticed, 3 not delivered.
  const status = new Array<number>(k).fill(3);
  let ev = 0;
  let disputeAudits = 0;
  const rec = (j: number, pr: number): void => {
    if (pr === 0) return;
    if (j < k) {
      const id = profile[team[j]!]!;
      if (!id.deliver) {
        status[j] = 3;
        return rec(j + 1, pr);
      }
      // An audit checks the work against the declared effort (execution trace, docs/architecture.md §6 T3), so
      // it flags shirked or token work whatever its luck and never an honest attempt that failed.
      const pg = id.trueRel * id.effort;
      const caught = id.effort < 1 ? a : 0;
      status[j] = 0;
      rec(j + 1, pr * (1 - caught) * pg);
      status[j] = 1;
      rec(j + 1, pr * caught);
      status[j] = 2;
      rec(j + 1, pr * (1 - caught) * (1 - pg));
      return;
    }
    let goodSkill = 0;
    let credited = 0;
    for (let j2 = 0; j2 < k; j2++) {
      if (status[j2] === 0) goodSkill += skills[j2]!;
      // Under award basis everyone on the team is paid; under delivery basis only work delivered and not caught.
      if (award || status[j2] === 0 || status[j2] === 2) credited |= 1 << j2;
      const idx = team[j2]!;
      if (status[j2] === 3) slash[idx]! += pr * slashNd;
      if (status[j2] === 1) slash[idx]! += pr * slashBw;
    }
    const value = taskValue(inst, goodSkill);
    ev += pr * value;
    // Disputes: upheld on the word of the disputer ('accept') or after an audit of the target ('verified').
    for (let j2 = 0; j2 < k; j2++) {
      const id = profile[team[j2]!]!;
      const tj = pos.get(id.dispute);
      if (tj === undefined || tj === j2) continue;
      if (verified) {
        disputeAudits += pr;
        if (status[tj] === 0) {
          bondLoss[team[j2]!]! += pr * bond;
          continue;
        }
      }
      if (credited & (1 << tj)) {
        credited &= ~(1 << tj);
        if (status[tj] !== 1 && status[tj] !== 3) slash[team[tj]!]! += pr * slashBw;
      }
    }
    if (credited === 0) return;
    const pool = award ? pool0 : rate(mech.reward.poolBp) * value;
    const members: number[] = [];
    for (let j2 = 0; j2 < k; j2++) if (credited & (1 << j2)) members.push(j2);
    const bids = members.map((j2) => profile[team[j2]!]!.bid);
    const shares = splitPool(mech.reward.rule, pool, members, bids, credited, shapleyMemo, claimedValue);
    members.forEach((j2, t) => (pay[team[j2]!]! += pr * shares[t]!));
  };
  rec(0, 1);
  return outcomeOf(inst, profile, team, { pay, slash, bondLoss }, ev, a, disputeAudits);
}

/**
 * One outcome's pool split among the credited members (indices into the team; `credited` their bitmask), by the
 * reward rule: equal parts, each its bid, in proportion to the bids, or the Shapley value of the claimed skills
 * (memoised per credited set).
 */
function splitPool(
  rule: Mechanism['reward']['rule'],
  pool: number,
  members: readonly number[],
  bids: readonly number[],
  credited: number,
  shapleyMemo: Map<number, number[]>,
  claimedValue: (mask: number) => number,
): number[] {
  switch (rule) {
    case 'equal':
      return members.map(() => pool / members.length);
    case 'fixed':
      return [...bids];
    case 'proportional': {
      const bidSum = bids.reduce((x, y) => x + y, 0);
      return bidSum > 0 ? bids.map((b) => (pool * b) / bidSum) : members.map(() => pool / members.length);
    }
    case 'shapley': {
      let phi = shapleyMemo.get(credited);
      if (!phi) {
        phi = shapley(members.length, (m) => {
          let full = 0;
          for (let t = 0; t < members.length; t++) if (m & (1 << t)) full |= 1 << members[t]!;
          return claimedValue(full);
        });
        shapleyMemo.set(credited, phi);
      }
      const total = claimedValue(credited);
      return phi.map((f) => (total > 0 ? (pool * f) / total : pool / members.length));
    }
  }
}

/** Per-agent utilities and the welfare from the expected pay, slash and bond loss of each team member. */
function outcomeOf(
  inst: Instance,
  profile: Profile,
  team: readonly number[],
  money: { pay: number[]; slash: number[]; bondLoss: number[] },
  ev: number,
  auditRate: number,
  disputeAudits: number,
): Outcome {
  const { pay, slash, bondLoss } = money;
  const utility = new Array<number>(inst.agents.length).fill(0);
  let effortCost = 0;
  let deliveries = 0;
  for (const idx of team) {
    const id = profile[idx]!;
    const c = id.real ? id.effort * inst.agents[id.owner]!.cost : 0;
    effortCost += c;
    if (id.deliver) deliveries++;
    utility[id.owner]! += pay[idx]! - slash[idx]! - bondLoss[idx]! - c;
  }
  const welfare = ev - effortCost - inst.auditCost * (auditRate * deliveries + disputeAudits);
  return { team, utility, pay, slash, bondLoss, welfare, expectedValue: ev };
}

/** The awarded team (profile indices) under the allocation clause, from bids and public data only. */
export function allocate(inst: Instance, mech: Mechanism, profile: Profile): number[] {
  const eligible = profile.map((_, i) => i).filter((i) => profile[i]!.tier >= mech.requiredTier);
  const k = mech.alloc.teamSize;
  switch (mech.alloc.rule) {
    case 'all':
      return eligible.slice(0, k);
    case 'lowest_bid':
      return [...eligible]
        .sort((x, y) => profile[x]!.bid - profile[y]!.bid || x - y)
        .slice(0, k)
        .sort((x, y) => x - y);
    case 'reputation':
      return [...eligible]
        .sort((x, y) => profile[y]!.rel - profile[x]!.rel || x - y)
        .slice(0, k)
        .sort((x, y) => x - y);
    case 'scoring':
      return scoringTeam(inst, mech, profile, eligible);
  }
}

/**
 * Scoring rule: among teams in which every member's expected net pay (everyone assumed to act as
 * declared) covers its bid, the one maximising claimed expected value − Σ bids − expected audit
 * cost. Teams are checked best score first, so the pay check runs only until one passes. A truthful
 * bidder is therefore only ever awarded a task it expects to profit from (IR by construction), and
 * since pay does not depend on one's own bid under the equal and Shapley splits, a bid can only move
 * its bidder in or out of teams.
 */
function scoringTeam(inst: Instance, mech: Mechanism, profile: Profile, eligible: readonly number[]): number[] {
  const a = rate(mech.audit.rateBp);
  const teams: { s: number[]; score: number }[] = [];
  for (let m = 1; m < 1 << eligible.length; m++) {
    if (popcount(m) > mech.alloc.teamSize) continue;
    const s = eligible.filter((_, j) => m & (1 << j));
    const ev = expectedValue(
      inst,
      s.map((i) => profile[i]!.skill),
      s.map((i) => profile[i]!.rel),
    );
    const score = ev - s.reduce((x, i) => x + profile[i]!.bid, 0) - inst.auditCost * a * s.length;
    if (score > 1e-12) teams.push({ s, score });
  }
  // Ties go to the earlier (lower-mask) team: sort is stable.
  teams.sort((x, y) => y.score - x.score);
  const declared = profile.map((id) => ({ ...id, trueRel: id.rel, effort: 1, deliver: true, dispute: -1 }));
  for (const { s } of teams) {
    const o = settle(inst, mech, declared, s);
    if (s.every((i) => o.pay[i]! - o.slash[i]! >= profile[i]!.bid - 1e-9)) return s;
  }
  return [];
}

/** Allocation and settlement: the outcome of a conduct profile under a mechanism. */
export function play(inst: Instance, mech: Mechanism, profile: Profile): Outcome {
  return settle(inst, mech, profile, allocate(inst, mech, profile));
}

/** Full-information optimum: the team of honest agents maximising expected value − costs (no audits needed). */
export function optimalWelfare(inst: Instance): { welfare: number; team: number[] } {
  const n = inst.agents.length;
  let best = { welfare: 0, team: [] as number[] };
  for (let m = 1; m < 1 << n; m++) {
    const s = inst.agents.map((_, i) => i).filter((i) => m & (1 << i));
    const ev = expectedValue(
      inst,
      s.map((i) => inst.agents[i]!.skill),
      s.map((i) => inst.agents[i]!.rel),
    );
    const w = ev - s.reduce((x, i) => x + inst.agents[i]!.cost, 0);
    if (w > best.welfare) best = { welfare: w, team: s };
  }
  return best;
}
