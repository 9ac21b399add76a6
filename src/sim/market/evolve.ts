// The mechanism-generation loop (docs/architecture.md §8; docs/mechanisms.md "The loop"):
//
//   simulate followers (honest + strategy search) → measure IC, IR, system loss → semantic
//   attribution of every failing trajectory to clauses, proposing an edit → apply → accept only if
//   the objective improves AND every archived exploit stays closed, else roll back.
//
// Objective: lexicographic (IC + IR violations, then system loss). An accepted edit adds to the
// archive every exploit of the previous version that it closed; a later candidate that reopens any
// of them (the same agent's family search on the same instance finds a profitable deviation again)
// is rolled back whatever else it improves. regressionPass = closed archived exploits / archive size.
//
// One round evaluates one candidate. An attributor failure (LLM timeout, malformed reply, invalid
// edit) is recorded in the round; the round then uses the fallback attributor if one is given,
// otherwise it proposes nothing and the mechanism stays as it was.

import { honestProfile, type Instance } from '../../core/market/game.js';
import { applyEdit, describeEdit, naiveMechanism, type Mechanism } from '../../core/market/mechanism.js';
import { deviate, describeStrategy } from '../../core/market/strategies.js';
import type { AttributionInput, Attributor, Proposal, Trajectory } from '../../core/market/attribution.js';
import { DEFAULT_POPULATION, population, type PopulationParams } from './population.js';
import { measure, stillClosed, type Exploit, type Measurement } from './search.js';

export interface Metrics {
  readonly version: number;
  readonly icViolations: number;
  readonly irViolations: number;
  readonly systemLoss: number;
  readonly regressionPass: number;
}

export interface RoundReport extends Metrics {
  readonly round: number;
  readonly accepted: boolean;
  readonly edit: string;
  readonly attribution: string;
  /** Which attributor produced the edit, and why another failed if it did. */
  readonly attributor: string;
  readonly failure?: string;
}

export interface EvolveResult {
  readonly seed: number;
  readonly rounds: RoundReport[];
  readonly final: Metrics;
  readonly naive: { readonly systemLoss: number; readonly icViolations: number; readonly irViolations: number };
  readonly archive: number;
  readonly mechanism: Mechanism;
}

export interface EvolveOptions {
  readonly rounds: number;
  readonly seed: number;
  readonly attributor: Attributor;
  /** Used in a round whose attributor failed (e.g. the built-in one behind an LLM). */
  readonly fallback?: Attributor;
  readonly onRound?: (r: RoundReport) => void;
  readonly population?: PopulationParams;
  readonly start?: Mechanism;
}

type ArchivedExploit = Pick<Exploit, 'instance' | 'strategy'>;

const key = (e: ArchivedExploit) => `${e.instance}/${e.strategy.agent}/${e.strategy.family}`;

export async function evolveMechanism(opts: EvolveOptions): Promise<EvolveResult> {
  if (!Number.isInteger(opts.rounds) || opts.rounds < 0)
    throw new RangeError('evolveMechanism: rounds must be a non-negative integer');
  const params = opts.population ?? DEFAULT_POPULATION;
  const instances = population(opts.seed, params);
  let mech = opts.start ?? naiveMechanism();
  let cur = measure(instances, mech);
  const naive = { systemLoss: cur.systemLoss, icViolations: cur.exploits.length, irViolations: cur.ir.length };
  const archive: ArchivedExploit[] = [];
  // Rolled-back edits are remembered by their from->to text, so the same step is never retried.
  const rejected: string[] = [];
  const rounds: RoundReport[] = [];
  const regression = (m: Mechanism) =>
    archive.length === 0 ? 1 : archive.filter((e) => stillClosed(instances, m, e)).length / archive.length;

  for (let r = 1; r <= opts.rounds; r++) {
    const input: AttributionInput = {
      mechanism: mech,
      trajectories: trajectories(instances, cur),
      systemLoss: cur.systemLoss,
      taskValue: params.value,
      rejected,
    };
    let failure: string | undefined;
    let used = opts.attributor.name;
    let proposal: Proposal | undefined;
    const res = await opts.attributor.propose(input);
    if (res.ok) proposal = res.proposals[0];
    else {
      failure = `${res.failure.code}: ${res.failure.message}`;
      if (opts.fallback) {
        used = opts.fallback.name;
        const fb = await opts.fallback.propose(input);
        if (fb.ok) proposal = fb.proposals[0];
      }
    }
    if (!proposal) {
      const report: RoundReport = {
        round: r,
        ...metricsOf(mech, cur, regression(mech)),
        accepted: false,
        edit: '',
        attribution: failure ? 'attributor failed; mechanism unchanged' : 'no edit proposed',
        attributor: used,
        ...(failure ? { failure } : {}),
      };
      rounds.push(report);
      opts.onRound?.(report);
      // Without a failure, no proposal means the attributor has nothing left to try at this version.
      if (!failure) break;
      continue;
    }
    const desc = describeEdit(mech, proposal.edit);
    const cand = applyEdit(mech, proposal.edit);
    const m = measure(instances, cand);
    const pass = regression(cand);
    const accepted = acceptable(cur, m, pass);
    const report: RoundReport = {
      round: r,
      ...metricsOf(cand, m, pass),
      accepted,
      edit: desc,
      attribution: proposal.attribution,
      attributor: used,
      ...(failure ? { failure } : {}),
    };
    rounds.push(report);
    opts.onRound?.(report);
    if (accepted) {
      const open = new Set(m.exploits.map(key));
      const known = new Set(archive.map(key));
      for (const e of cur.exploits)
        if (!open.has(key(e)) && !known.has(key(e))) archive.push({ instance: e.instance, strategy: e.strategy });
      mech = cand;
      cur = m;
    } else rejected.push(desc);
  }
  return {
    seed: opts.seed,
    rounds,
    final: metricsOf(mech, cur, regression(mech)),
    naive,
    archive: archive.length,
    mechanism: mech,
  };
}

/** The acceptance rule: the objective (violations, then system loss) improves and no archived exploit reopens. */
export function acceptable(
  cur: Pick<Measurement, 'exploits' | 'ir' | 'systemLoss'>,
  cand: Pick<Measurement, 'exploits' | 'ir' | 'systemLoss'>,
  regressionPass: number,
): boolean {
  const vc = cur.exploits.length + cur.ir.length;
  const vn = cand.exploits.length + cand.ir.length;
  const improves = vn < vc || (vn === vc && cand.systemLoss < cur.systemLoss - 1e-9);
  return improves && regressionPass === 1;
}

function metricsOf(mech: Mechanism, m: Measurement, regressionPass: number): Metrics {
  return {
    version: mech.version,
    icViolations: m.exploits.length,
    irViolations: m.ir.length,
    systemLoss: round6(m.systemLoss),
    regressionPass,
  };
}

const round6 = (x: number) => Math.round(x * 1e6) / 1e6;

/** Features of every failing trajectory of a measurement (what the attributor sees). */
export function trajectories(instances: readonly Instance[], m: Measurement): Trajectory[] {
  const out: Trajectory[] = [];
  for (const e of m.exploits) {
    const inst = instances[e.instance]!;
    const s = e.strategy;
    const profile = deviate(inst, honestProfile(inst), s);
    const own = profile.map((_, i) => i).filter((i) => profile[i]!.owner === s.agent);
    const me = profile[s.agent]!;
    const sum = (xs: readonly number[]) => own.reduce((x, i) => x + xs[i]!, 0);
    const target = s.family === 'false_dispute' ? profile[s.param]! : undefined;
    out.push({
      kind: 'ic',
      family: s.family,
      description: describeStrategy(s),
      instance: e.instance,
      agent: s.agent,
      gain: e.gain,
      onTeam: e.deviant.team.includes(s.agent),
      teamSize: e.deviant.team.length,
      pay: sum(e.deviant.pay),
      slash: sum(e.deviant.slash),
      bondLoss: sum(e.deviant.bondLoss),
      effortCost: me.effort * inst.agents[s.agent]!.cost,
      badProb: Math.max(
        ...own.filter((i) => e.deviant.team.includes(i)).map((i) => 1 - profile[i]!.trueRel * profile[i]!.effort),
        1 - me.trueRel * me.effort,
      ),
      sybilTiers: own.filter((i) => i !== s.agent && e.deviant.team.includes(i)).map((i) => profile[i]!.tier),
      targetGoodProb: target ? target.trueRel * target.effort : 0,
    });
  }
  for (const c of m.ir) {
    const inst = instances[c.instance]!;
    out.push({
      kind: 'ir',
      family: 'honest',
      description: `honest agent ${c.agent} expects ${c.utility.toFixed(3)}`,
      instance: c.instance,
      agent: c.agent,
      gain: -c.utility,
      onTeam: c.outcome.team.includes(c.agent),
      teamSize: c.outcome.team.length,
      pay: c.outcome.pay[c.agent]!,
      slash: c.outcome.slash[c.agent]!,
      bondLoss: c.outcome.bondLoss[c.agent]!,
      effortCost: inst.agents[c.agent]!.cost,
      badProb: 1 - inst.agents[c.agent]!.rel,
      sybilTiers: [],
      targetGoodProb: 0,
    });
  }
  return out;
}

export function formatRound(r: RoundReport): string {
  const pad = (s: string, n: number) => s.padEnd(n);
  return (
    `round ${String(r.round).padStart(2)}  v${pad(String(r.version), 3)} IC ${pad(String(r.icViolations), 4)} IR ${pad(String(r.irViolations), 3)} ` +
    `loss ${r.systemLoss.toFixed(4)}  reg ${r.regressionPass.toFixed(2)}  ${r.accepted ? 'ACCEPT  ' : r.edit ? 'rollback' : 'no edit '}  ${r.edit || '-'}` +
    (r.failure ? `  [${r.attributor}; attributor failure ${r.failure}]` : '') +
    `\n          why: ${r.attribution}`
  );
}
