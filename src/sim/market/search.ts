// Strategy search and the per-version metrics of the mechanism-generation loop (docs/architecture.md §8).
//
// For every task instance and every agent, every family of the strategy library is tried over its
// parameter grid (bid shading is then refined by bisection around the best grid point) against
// honest opponents; the best deviation of a family is an exploit when it beats honest conduct by
// more than TOL credits. Utilities come from the exact game (core/market/game.ts); nothing here
// knows which clause a family defeats.
//
// Metrics of a mechanism version:
// - icViolations: (instance, agent, family) triples with a profitable deviation (for `collude`, a
//   pair whose joint utility rises).
// - irViolations: (instance, agent) pairs where an honest agent's expected utility is below -TOL.
// - systemLoss: Σ (W_opt − W_mech) / Σ W_opt, where W_mech is the welfare when every agent plays
//   the unilateral deviations it found profitable, stacked best-first while each still raises its
//   utility, and W_opt is the full-information optimum.

import {
  honestProfile,
  optimalWelfare,
  play,
  type Identity,
  type Instance,
  type Outcome,
} from '../../core/market/game.js';
import type { Mechanism } from '../../core/market/mechanism.js';
import { deviate, FAMILIES, GRID, isGroup, type Family, type Strategy } from '../../core/market/strategies.js';

/** A deviation must gain more than this (credits) to count: below it, rounding noise. */
export const TOL = 1e-3;

export interface Exploit {
  readonly instance: number;
  readonly strategy: Strategy;
  readonly gain: number;
  readonly honest: Outcome;
  readonly deviant: Outcome;
}

export interface IrCase {
  readonly instance: number;
  readonly agent: number;
  readonly utility: number;
  readonly outcome: Outcome;
}

export interface Measurement {
  readonly exploits: readonly Exploit[];
  readonly ir: readonly IrCase[];
  readonly systemLoss: number;
  readonly welfare: number;
  readonly optimum: number;
}

/** Gain of one concrete strategy over honest play (joint gain for a group family). */
export function gainOf(
  inst: Instance,
  mech: Mechanism,
  s: Strategy,
  honest?: Outcome,
): { gain: number; honest: Outcome; deviant: Outcome } {
  const h = honest ?? play(inst, mech, honestProfile(inst));
  const d = play(inst, mech, deviate(inst, honestProfile(inst), s));
  const who = s.partner !== undefined ? [s.agent, s.partner] : [s.agent];
  const gain = who.reduce((x, i) => x + d.utility[i]! - h.utility[i]!, 0);
  return { gain, honest: h, deviant: d };
}

function candidates(inst: Instance, agent: number, family: Family): Strategy[] {
  const n = inst.agents.length;
  if (family === 'false_dispute')
    return inst.agents
      .map((_, j) => j)
      .filter((j) => j !== agent)
      .map((j) => ({ family, agent, param: j }));
  if (isGroup(family))
    return n < 2 ? [] : GRID[family].map((param) => ({ family, agent, partner: (agent + 1) % n, param }));
  return GRID[family].map((param) => ({ family, agent, param }));
}

/** The most profitable deviation of one family for one agent, or undefined if none beats honest play. */
export function bestDeviation(
  inst: Instance,
  mech: Mechanism,
  agent: number,
  family: Family,
  honest: Outcome,
  instance = 0,
): Exploit | undefined {
  let best: Exploit | undefined;
  const consider = (s: Strategy) => {
    const r = gainOf(inst, mech, s, honest);
    if (!best || r.gain > best.gain)
      best = { instance, strategy: s, gain: r.gain, honest: r.honest, deviant: r.deviant };
  };
  for (const s of candidates(inst, agent, family)) consider(s);
  if (family === 'shade' && best) {
    // Refine the bid multiple: a profitable shade often sits between grid points.
    let step = 0.125;
    for (let it = 0; it < 4; it++, step /= 2) {
      const c = best.strategy.param;
      for (const p of [c - step, c + step]) if (p > 0) consider({ ...best.strategy, param: Math.round(p * 1e4) / 1e4 });
    }
  }
  return best && best.gain > TOL ? best : undefined;
}

export function measure(instances: readonly Instance[], mech: Mechanism): Measurement {
  const exploits: Exploit[] = [];
  const ir: IrCase[] = [];
  let welfare = 0;
  let optimum = 0;
  instances.forEach((inst, t) => {
    const honest = play(inst, mech, honestProfile(inst));
    inst.agents.forEach((_, i) => {
      if (honest.utility[i]! < -TOL) ir.push({ instance: t, agent: i, utility: honest.utility[i]!, outcome: honest });
    });
    // Each agent's best unilateral response against honest opponents, then all played at once.
    for (let i = 0; i < inst.agents.length; i++) {
      for (const f of FAMILIES) {
        const e = bestDeviation(inst, mech, i, f, honest, t);
        if (!e) continue;
        exploits.push(e);
      }
    }
    // Each agent stacks its profitable deviations greedily (best first), keeping one only if its
    // utility rises with the others honest: e.g. Sybil identities *and* no delivery under a naive rule.
    let profile = honestProfile(inst);
    for (let i = 0; i < inst.agents.length; i++) {
      const mine = exploits
        .filter((e) => e.instance === t && e.strategy.agent === i && !isGroup(e.strategy.family))
        .sort((x, y) => y.gain - x.gain);
      let own = honestProfile(inst);
      let u = honest.utility[i]!;
      for (const e of mine) {
        const next = deviate(inst, own, e.strategy);
        const v = play(inst, mech, next).utility[i]!;
        if (v > u + TOL) [own, u] = [next, v];
      }
      profile = compose(profile, own, i);
    }
    welfare += play(inst, mech, profile).welfare;
    optimum += optimalWelfare(inst).welfare;
  });
  return { exploits, ir, welfare, optimum, systemLoss: optimum > 0 ? (optimum - welfare) / optimum : 0 };
}

/** `acc` with agent i's conduct (its real identity and any Sybils) taken from `own`. */
function compose(acc: readonly Identity[], own: readonly Identity[], i: number): Identity[] {
  // Sybil identities come after the real ones in both profiles; i's are the non-real ones of `own`.
  return [...acc.map((x, k) => (k === i ? own[i]! : x)), ...own.filter((x) => !x.real)];
}

/**
 * Whether an archived exploit stays closed under `mech`: the whole family is searched again for the
 * same agent on the same instance, so a neighbouring parameter cannot sneak the exploit back in.
 */
export function stillClosed(
  instances: readonly Instance[],
  mech: Mechanism,
  e: Pick<Exploit, 'instance' | 'strategy'>,
): boolean {
  const inst = instances[e.instance]!;
  return (
    bestDeviation(
      inst,
      mech,
      e.strategy.agent,
      e.strategy.family,
      play(inst, mech, honestProfile(inst)),
      e.instance,
    ) === undefined
  );
}
