// The follower strategy library: one honest conduct and the adversarial families (docs/mechanisms.md "The strategy library"). A
// strategy is a family plus numeric parameters; `deviate` rewrites an honest profile into the
// deviating one. The families say nothing about which rule they beat: whether a deviation pays is
// decided only by the game's utilities under the mechanism at hand (game.ts), and the strategy
// search (src/sim/market/search.ts) tries every parameter on its grid.

import { FRESH_REP, SYBIL_TIER, type Identity, type Instance } from './game.js';

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

export const FAMILIES = ['shade', 'shirk', 'withhold', 'freeride', 'sybil', 'false_dispute', 'collude'] as const;
export type Family = (typeof FAMILIES)[number];

export interface Strategy {
  readonly family: Family;
  /** The deviating agent; `collude` also moves `partner`. */
  readonly agent: number;
  readonly partner?: number;
  /** shade/collude: bid as a multiple of cost; shirk: effort; sybil: extra identities; false_dispute: target agent. */
  readonly param: number;
}

/** Parameter grid each family is searched over (the search also refines `shade` locally). */
export const GRID: Readonly<Record<Family, readonly number[]>> = {
  shade: [0.25, 0.5, 0.75, 0.9, 1.1, 1.25, 1.5, 2, 3, 5],
  shirk: [0, 0.25, 0.5, 0.75],
  withhold: [0],
  freeride: [0],
  sybil: [1, 2],
  false_dispute: [], // targets: every other agent, filled in by the search
  collude: [1.25, 1.5, 2, 3, 5],
};

/** Whether the family is a group deviation (its gain is the coalition's joint gain). */
export const isGroup = (f: Family) => f === 'collude';

/**
 * The profile in which `s.agent` (and its partner) deviate from `honest`. Honest agents keep their
 * conduct. Sybil identities are appended after the real ones so real indices stay stable.
 */
export function deviate(inst: Instance, honest: readonly Identity[], s: Strategy): Identity[] {
  const p: Mutable<Identity>[] = honest.map((x) => ({ ...x }));
  const me = p[s.agent]!;
  const cost = inst.agents[s.agent]!.cost;
  switch (s.family) {
    case 'shade':
      me.bid = s.param * cost;
      break;
    case 'shirk':
      // Partial effort: spends param·c, work good with probability param·q.
      me.effort = s.param;
      break;
    case 'withhold':
      me.deliver = false;
      me.effort = 0;
      break;
    case 'freeride':
      // Delivers a token artefact and lets teammates carry the task; bids low to be sure to be on the team.
      me.effort = 0;
      me.bid = 0.5 * cost;
      break;
    case 'sybil':
      for (let k = 0; k < s.param; k++) {
        p.push({
          owner: s.agent,
          skill: me.skill,
          rel: FRESH_REP,
          tier: SYBIL_TIER,
          trueRel: 0,
          bid: 0.5 * cost,
          effort: 0,
          deliver: true,
          dispute: -1,
          real: false,
        });
      }
      break;
    case 'false_dispute':
      me.dispute = s.param;
      break;
    case 'collude': {
      me.bid = s.param * cost;
      const j = s.partner!;
      p[j]!.bid = s.param * inst.agents[j]!.cost;
      break;
    }
  }
  return p;
}

export function describeStrategy(s: Strategy): string {
  switch (s.family) {
    case 'shade':
      return `agent ${s.agent} bids ${s.param}x cost`;
    case 'shirk':
      return `agent ${s.agent} works at effort ${s.param}`;
    case 'withhold':
      return `agent ${s.agent} takes the award and never delivers`;
    case 'freeride':
      return `agent ${s.agent} delivers a token and lets the team carry it`;
    case 'sybil':
      return `agent ${s.agent} adds ${s.param} Sybil identities`;
    case 'false_dispute':
      return `agent ${s.agent} disputes agent ${s.param}'s delivery`;
    case 'collude':
      return `agents ${s.agent}+${s.partner} both bid ${s.param}x cost`;
  }
}
