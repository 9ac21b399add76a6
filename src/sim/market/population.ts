// Follower populations: the task instances a mechanism is evaluated on. Each instance is one task and
// its bidders' types, drawn from a seed. Costs are private (only the agent and this simulator know
// them); skill, reliability and tier are public (capability declaration, topic reputation, verified
// tier). Ranges are chosen so that some agents are worth hiring and some are not at full information,
// which is what makes allocation matter.

import type { AgentType, Instance } from '../../core/market/game.js';
import { Rng } from '../rng.js';

export interface PopulationParams {
  /** Task instances per evaluation. */
  readonly instances: number;
  /** Honest bidders per task. */
  readonly agents: number;
  /** Value V of a task whose good work sums to `scale` skill (credits). */
  readonly value: number;
  readonly scale: number;
  /** What one audit (or a verified dispute, docs/architecture.md §6 T4) costs the requester, in credits. */
  readonly auditCost: number;
}

export const DEFAULT_POPULATION: PopulationParams = { instances: 6, agents: 4, value: 12, scale: 3, auditCost: 0.3 };

export function population(seed: number, p: PopulationParams = DEFAULT_POPULATION): Instance[] {
  const rng = Rng.sfc32(seed);
  const out: Instance[] = [];
  for (let t = 0; t < p.instances; t++) {
    const agents: AgentType[] = [];
    for (let i = 0; i < p.agents; i++) {
      // Cost grows with skill (better agents charge more) times a private unit cost: how much an
      // agent asks per unit of contribution is what the requester cannot see.
      const skill = round3(rng.range(0.5, 1.5));
      agents.push({
        cost: round3(skill * rng.range(1, 3)),
        skill,
        rel: round3(rng.range(0.6, 0.98)),
        // Honest operators have at least a verified binding (T2); some also a KYC credential (T3).
        tier: rng.next() < 0.5 ? 2 : 3,
      });
    }
    out.push({ value: p.value, scale: p.scale, auditCost: p.auditCost, agents });
  }
  return out;
}

const round3 = (x: number) => Math.round(x * 1000) / 1000;
