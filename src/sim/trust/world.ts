// The world of the MG-EigenTrust experiment (docs/architecture.md §7, §10): topics with declared tags, a population of honest
// providers, attackers, spies and one honest newcomer, and the scenario parameters. Everything random is drawn from
// the run's seeded Rng, so a seed fixes the population for every method compared.
import type { TopicSpec } from '../../core/trust/types.js';
import type { Rng } from '../rng.js';

/** The paper's five topics. code_generation and code_review_security share `software.code.*`; creative_writing
 * shares nothing (W = 0 with every other topic). Jaccard of the expanded tag sets (threshold 0.2):
 * code_generation–code_review_security 0.375, code_generation–data_analysis 0.333, the rest below threshold. */
export const PAPER_TOPICS: readonly TopicSpec[] = [
  { name: 'code_generation', tags: ['software.code.generate', 'software.code.python', 'software.code.typescript'] },
  {
    name: 'code_review_security',
    tags: ['software.code.review', 'software.security.audit', 'software.code.typescript'],
  },
  { name: 'devops_tool_execution', tags: ['software.ops.deploy', 'software.ops.shell', 'software.tools'] },
  { name: 'data_analysis', tags: ['data.analysis.statistics', 'data.visualization', 'software.code.python'] },
  { name: 'creative_writing', tags: ['language.writing.fiction', 'language.writing.poetry'] },
];

export interface Scenario {
  readonly nodes: number;
  /** Attacker identities alive at any time (whitewashing replaces, never adds). */
  readonly attackers: number;
  readonly spies: number;
  readonly epochs: number;
  /** Epochs of warm-up before the attack phase (everyone behaves; attackers serve only fromTopic). */
  readonly warmup: number;
  readonly queriesPerTopic: number;
  readonly candidates: number;
  readonly fromTopic: number;
  readonly toTopic: number;
  readonly threat: 'A' | 'B' | 'C' | 'D' | undefined;
  /** Threat C: probability a camouflaged malicious node delivers honestly (Kamvar 2003 §7, threat model C). */
  readonly camouflage: number;
  /** Probability an honest requester who received a malicious delivery turns it into a verified fraud proof. */
  readonly proofProbability: number;
  /** Honest quality draw: outcome/1000 ~ N(competence, noise), clamped to [0,1]. */
  readonly noise: number;
  /** Mean quality of a malicious delivery (a review that hides the vulnerability it was asked to find). */
  readonly maliciousQuality: number;
  /** Quality attackers deliver where they build trust (they are good at it: the disguise). */
  readonly attackerSkill: number;
  /** Stake of an honest node ~ U(lo, hi); each attacker identity posts `attackerStake`. */
  readonly honestStake: readonly [number, number];
  readonly attackerStake: number;
  /** Whitewash when the published reputation in toTopic falls below this fraction of 1/n. */
  readonly whitewashBelow: number;
  /** Colluding receipts per epoch: each attacker with another attacker, each spy with attackers, per topic. */
  readonly collusionPerAttacker: number;
  readonly collusionPerSpy: number;
  /** Spies also praise attackers in the target topic during the attack (a stronger attack than the paper's
   * bridge nodes, which build the attackers' reputation in the source topic). */
  readonly spiesInTarget: boolean;
  /** Payoff (units) of one successful malicious delivery, for attacker ROI. */
  readonly payoff: number;
  /** Exploration share of proportional selection. */
  readonly explore: number;
}

export function defaultScenario(over: Partial<Scenario> = {}): Scenario {
  return {
    nodes: 100,
    attackers: 20,
    spies: 5,
    epochs: 50,
    warmup: 15,
    queriesPerTopic: 50,
    candidates: 8,
    fromTopic: 0,
    toTopic: 1,
    threat: undefined,
    camouflage: 0.5,
    proofProbability: 0.5,
    noise: 0.12,
    maliciousQuality: 0.15,
    attackerSkill: 0.9,
    honestStake: [10, 30],
    attackerStake: 5,
    whitewashBelow: 0.3,
    collusionPerAttacker: 1,
    collusionPerSpy: 2,
    spiesInTarget: false,
    payoff: 1,
    explore: 0.02,
    ...over,
  };
}

export type Role = 'honest' | 'attacker' | 'spy' | 'newcomer';

export interface Identity {
  readonly role: Role;
  /** Per-topic competence (mean quality) of honest service. */
  readonly competence: readonly number[];
  /** Topics this identity offers as a provider. */
  readonly serves: Set<number>;
  readonly stake: number;
  readonly tier: boolean;
  /** Epoch the identity appeared. */
  readonly born: number;
  /** Malicious deliveries made under this identity. */
  malicious: number;
  alive: boolean;
}

/**
 * Initial population: `nodes` identities of which `attackers` attackers, `spies` spies, one honest newcomer, the
 * rest honest. Honest competence is correlated across topics (a general skill plus a topic part), in [0.55, 0.9]:
 * evidence from related topics is informative for honest nodes, which is what the bridge assumes.
 */
export function population(sc: Scenario, T: number, rng: Rng): Identity[] {
  const ids: Identity[] = [];
  const honestCount = sc.nodes - sc.attackers - sc.spies - 1;
  if (honestCount < 2) throw new RangeError(`nodes: ${sc.nodes} leaves fewer than 2 honest nodes`);
  const competence = () => {
    const gen = rng.next();
    return Array.from({ length: T }, () => 0.55 + 0.35 * (0.6 * gen + 0.4 * rng.next()));
  };
  const honest = (role: Role, serves: Set<number>): Identity => ({
    role,
    competence: competence(),
    serves,
    stake: rng.range(sc.honestStake[0], sc.honestStake[1]),
    tier: true,
    born: 0,
    malicious: 0,
    alive: true,
  });
  const someTopics = () => {
    const s = new Set<number>();
    for (let k = 0; k < T; k++) if (rng.bool(0.8)) s.add(k);
    if (s.size === 0) s.add(rng.int(T));
    return s;
  };
  for (let q = 0; q < honestCount; q++) ids.push(honest('honest', someTopics()));
  // The newcomer has cross-topic evidence: a competent specialist (the attackers' skill, so the same record they
  // show) that serves fromTopic from the start and joins toTopic when the attack starts. Cold start is its trust in
  // toTopic at that moment (with the bridge vs mg-noSemantic, i.e. W = 0).
  const nc = honest('newcomer', new Set(sc.threat ? [sc.toTopic] : [sc.fromTopic]));
  ids.push({ ...nc, competence: nc.competence.map((q) => Math.max(q, sc.attackerSkill)) });
  for (let q = 0; q < sc.spies; q++) ids.push(honest('spy', new Set(Array.from({ length: T }, (_, k) => k))));
  for (let q = 0; q < sc.attackers; q++) ids.push(newAttacker(sc, T, 0, true));
  return ids;
}

/** An attacker identity: original ones passed the tier; whitewashed ones cannot (see docs/trust.md). */
export function newAttacker(sc: Scenario, T: number, born: number, tier: boolean): Identity {
  const serves = sc.threat ? new Set(Array.from({ length: T }, (_, k) => k)) : new Set([sc.fromTopic]);
  if (!sc.threat && born >= sc.warmup) serves.add(sc.toTopic);
  return {
    role: 'attacker',
    competence: Array.from({ length: T }, () => sc.attackerSkill),
    serves,
    stake: sc.attackerStake,
    tier,
    born,
    malicious: 0,
    alive: true,
  };
}
