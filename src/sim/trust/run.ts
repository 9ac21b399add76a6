// One run of the MG-EigenTrust experiment for one method and one seed (docs/architecture.md §7, §10). A query cycle per epoch on
// the shared virtual-clock scheduler: queries of every topic and the colluders' receipts at random instants of the
// epoch, then the trust recompute (one injected power-iteration call for all topics), whitewashing, bookkeeping.
import { TrustModel } from '../../core/trust/model.js';
import { MG_FEATURES, EIGENTRUST_FEATURES, type TrustFeatures } from '../../core/trust/params.js';
import { selectProportional } from '../../core/trust/select.js';
import type { PowerIterate, TopicSpec } from '../../core/trust/types.js';
import type { Rng } from '../rng.js';
import { Scheduler } from '../scheduler.js';
import { newAttacker, population, type Identity, type Scenario } from './world.js';

export const METHODS = ['random', 'flat', 'perTopic', 'mg', 'mg-noSlash', 'mg-noGate', 'mg-noSemantic'] as const;
export type Method = (typeof METHODS)[number];

export function featuresOf(m: Method): TrustFeatures | undefined {
  switch (m) {
    case 'random':
      return undefined;
    case 'flat':
    case 'perTopic':
      return EIGENTRUST_FEATURES;
    case 'mg':
      return MG_FEATURES;
    case 'mg-noSlash':
      return { ...MG_FEATURES, slash: false };
    case 'mg-noGate':
      return { ...MG_FEATURES, gate: false };
    case 'mg-noSemantic':
      return { ...MG_FEATURES, semantic: false };
  }
}

/** Raw per-run measurements; ./index.ts turns them into the reported metrics. */
export interface RunMetrics {
  /** Queries in toTopic during the attack phase (threat mode: all queries) and those served maliciously. */
  queries: number;
  hits: number;
  /** Attacker identities that delivered ≥ 1 malicious outcome, and how many of them were flagged. */
  harmful: number;
  harmfulFlagged: number;
  honest: number;
  honestFlagged: number;
  entriesPerEpoch: number;
  coldStart: number;
  capital: number;
  lost: number;
  gain: number;
}

/** A run's measurements before its first query. */
export const emptyRunMetrics = (): RunMetrics => ({
  queries: 0,
  hits: 0,
  harmful: 0,
  harmfulFlagged: 0,
  honest: 0,
  honestFlagged: 0,
  entriesPerEpoch: 0,
  coldStart: 0,
  capital: 0,
  lost: 0,
  gain: 0,
});

type Ev =
  | { kind: 'query'; topic: number }
  | { kind: 'collude'; from: 'attacker' | 'spy'; topic: number }
  | { kind: 'epoch-end' };

const EPOCH = 1_000_000; // virtual time units per epoch

/** The state of one run, shared by its event handlers. */
interface RunState {
  readonly sc: Scenario;
  readonly T: number;
  readonly rng: Rng;
  readonly ids: Identity[];
  readonly ledger: TrustModel | undefined;
  /** The trust topic of query topic k: its own, or the single flattened topic. */
  readonly key: (k: number) => string;
  readonly m: RunMetrics;
  readonly newcomer: number;
  /** Everyone who behaves honestly as a user, spies included (a spy uses the network like anyone else and rates
   *  what it gets honestly; its collusion is extra receipts for attackers, see onCollude). */
  readonly requesters: readonly number[];
  readonly iterate: PowerIterate;
  readonly debug: ((line: string) => void) | undefined;
  readonly onMass: ((epoch: number, attackerMass: number) => void) | undefined;
  readonly onEpoch: ((epoch: number, queries: number, hits: number) => void) | undefined;
  epoch: number;
  epochQueries: number;
  epochHitsAt: number;
  task: number;
  lastHits: number;
}

export function runOnce(
  sc: Scenario,
  topics: readonly TopicSpec[],
  method: Method,
  seed: number,
  iterate: PowerIterate,
  debug?: (line: string) => void,
  onMass?: (epoch: number, attackerMass: number) => void,
  onEpoch?: (epoch: number, queries: number, hits: number) => void,
): RunMetrics {
  const T = topics.length;
  const sched = new Scheduler<Ev>(seed);
  const rng = sched.rng;
  const ids: Identity[] = population(sc, T, rng);
  const features = featuresOf(method);
  const flat = method === 'flat';
  // Flattened EigenTrust: one graph over every topic's receipts (the baseline the paper calls "one flattened").
  const ledgerTopics = flat ? [{ name: 'all', tags: [] }] : topics;
  const ledger = features
    ? new TrustModel(ledgerTopics, sc.nodes + sc.attackers * (sc.epochs + 1), features)
    : undefined;
  for (const id of ids) ledger?.addNode(id.stake, id.tier);
  const s: RunState = {
    sc,
    T,
    rng,
    ids,
    ledger,
    key: (k: number): string => (flat ? 'all' : (topics[k] as TopicSpec).name),
    m: emptyRunMetrics(),
    newcomer: ids.findIndex((x) => x.role === 'newcomer'),
    requesters: ids.map((x, i) => (x.role !== 'attacker' ? i : -1)).filter((i) => i >= 0),
    iterate,
    debug,
    onMass,
    onEpoch,
    epoch: 0,
    epochQueries: 0,
    epochHitsAt: 0,
    task: 0,
    lastHits: 0,
  };
  for (s.epoch = 0; s.epoch < sc.epochs; s.epoch++) {
    scheduleEpoch(s, sched);
    sched.run(
      (e) => {
        if (e.kind === 'query') onQuery(s, e.topic);
        else if (e.kind === 'collude') onCollude(s, e.from, e.topic);
        else onEpochEnd(s);
      },
      s.epoch * EPOCH + EPOCH - 1,
    );
  }
  return finish(s);
}

/** One epoch's events at random times inside it: the queries of every topic, collusion where the scenario has it,
 *  and the epoch's end. */
function scheduleEpoch(s: RunState, sched: Scheduler<Ev>): void {
  const { sc, rng } = s;
  const base = s.epoch * EPOCH;
  const attackPhase = sc.threat !== undefined || s.epoch >= sc.warmup;
  for (let k = 0; k < s.T; k++) {
    for (let q = 0; q < sc.queriesPerTopic; q++) sched.at(base + 1 + rng.int(EPOCH - 2), { kind: 'query', topic: k });
    const colludeHere =
      sc.threat !== undefined ? sc.threat !== 'A' : k === sc.fromTopic || (k === sc.toTopic && attackPhase);
    if (colludeHere) {
      sched.at(base + 1 + rng.int(EPOCH - 2), { kind: 'collude', from: 'attacker', topic: k });
      // Spies bridge: they praise attackers in the source topic (so the reputation exists to be imported) and,
      // with spiesInTarget, also in the target topic once the attack runs.
      const spyHere = sc.threat === 'D' || (sc.threat === undefined && (k === sc.fromTopic || sc.spiesInTarget));
      if (spyHere) sched.at(base + 1 + rng.int(EPOCH - 2), { kind: 'collude', from: 'spy', topic: k });
    }
  }
  sched.at(base + EPOCH - 1, { kind: 'epoch-end' });
}

/** After the last epoch: honest identities wrongly flagged, every live attacker retired, capital and gain. */
function finish(s: RunState): RunMetrics {
  const { sc, m, ledger } = s;
  s.ids.forEach((x, j) => {
    if (x.role === 'honest' || x.role === 'newcomer') {
      m.honest++;
      if (ledger?.flagged(j)) m.honestFlagged++;
    }
  });
  s.ids.forEach((x, j) => {
    if (x.alive && x.role === 'attacker') retire(s, j);
  });
  // Capital: the stake the attackers keep posted (one stake per live identity; stake returned on retirement is
  // reused by the next identity) plus fresh money to replace what slashing burnt or froze.
  m.capital = sc.attackers * sc.attackerStake + m.lost;
  m.gain = sc.payoff * m.hits;
  m.entriesPerEpoch = ledger ? ledger.entriesSent / sc.epochs : 0;
  return m;
}

const quality = (s: RunState, mean: number) =>
  Math.round(1000 * Math.min(1, Math.max(0, s.rng.normal(mean, s.sc.noise))));
const attackersAlive = (s: RunState) =>
  s.ids.map((x, i) => (x.alive && x.role === 'attacker' ? i : -1)).filter((i) => i >= 0);

/** An identity leaves: its stake is settled and, for an attacker, what it lost and whether it was caught is counted. */
function retire(s: RunState, j: number): void {
  const ledger = s.ledger;
  const x = s.ids[j] as Identity;
  x.alive = false;
  ledger?.retire(j);
  if (x.role === 'attacker') {
    const st = ledger?.stakeOf(j);
    s.m.lost += st ? st.burnt + st.frozen : 0;
    if (x.malicious > 0) {
      s.m.harmful++;
      if (ledger?.flagged(j)) s.m.harmfulFlagged++;
    }
  }
}

/** A query in topic k: a requester picks a worker among candidates by trust, and rates what it delivers. */
function onQuery(s: RunState, k: number): void {
  const ledger = s.ledger;
  const requester = s.requesters[s.rng.int(s.requesters.length)] as number;
  const providers = s.ids
    .map((x, i) => (x.alive && i !== requester && x.serves.has(k) && !ledger?.isSlashed(i) ? i : -1))
    .filter((i) => i >= 0);
  if (providers.length === 0) return;
  const cands = s.rng.sample(providers, s.sc.candidates);
  const u1 = s.rng.next();
  const u2 = s.rng.next();
  const pick = ledger
    ? selectProportional(
        cands.map((j) => ledger.selectionScore(s.key(k), j)),
        s.sc.explore,
        u1,
        u2,
        ledger.features.pretrust === 'dynamic' ? cands.map((j) => ledger.tierOk(j)) : undefined,
      )
    : Math.min(cands.length - 1, Math.floor(u2 * cands.length));
  const w = cands[pick] as number;
  const x = s.ids[w] as Identity;
  const bad =
    x.role === 'attacker' &&
    (s.sc.threat === undefined
      ? k === s.sc.toTopic && s.epoch >= s.sc.warmup
      : s.sc.threat !== 'C' || !s.rng.bool(s.sc.camouflage));
  const counted = s.sc.threat !== undefined || (k === s.sc.toTopic && s.epoch >= s.sc.warmup);
  if (counted) {
    s.m.queries++;
    s.epochQueries++;
  }
  if (bad) {
    x.malicious++;
    if (counted) s.m.hits++;
  }
  const outcome = quality(s, bad ? s.sc.maliciousQuality : (x.competence[k] as number));
  ledger?.handleReceipt({ taskId: `q${s.task++}`, topic: s.key(k), requester, worker: w, outcome, ts: s.epoch });
  if (bad && s.rng.bool(s.sc.proofProbability))
    ledger?.handleFraudProof({ culprit: w, topic: s.key(k), kind: 'bad-delivery', ts: s.epoch });
}

/** Collusion: attackers (or spies) file glowing receipts for attackers in topic k. */
function onCollude(s: RunState, from: 'attacker' | 'spy', k: number): void {
  const ledger = s.ledger;
  const att = attackersAlive(s);
  const raters = from === 'spy' ? s.ids.map((x, i) => (x.role === 'spy' ? i : -1)).filter((i) => i >= 0) : att;
  for (const r of raters) {
    const per = from === 'spy' ? s.sc.collusionPerSpy : s.sc.collusionPerAttacker;
    for (let q = 0; q < per; q++) {
      const others = att.filter((j) => j !== r && (s.ids[j] as Identity).serves.has(k));
      if (others.length === 0) break;
      const w = others[s.rng.int(others.length)] as number;
      ledger?.handleReceipt({
        taskId: `c${s.task++}`,
        topic: s.key(k),
        requester: r,
        worker: w,
        outcome: 1000,
        ts: s.epoch,
      });
    }
  }
}

/** The end of an epoch: trust is recomputed, the attack phase begins, and whitewashing attackers re-enter. */
function onEpochEnd(s: RunState): void {
  const ledger = s.ledger;
  if (ledger) ledger.recompute(s.epoch, s.iterate);
  // Read-only observation for plots: the attackers' share of trust in the target topic after this epoch.
  if (s.onMass && ledger)
    s.onMass(
      s.epoch,
      attackersAlive(s).reduce((a, j) => a + ledger.reputation(s.key(s.sc.toTopic), j), 0),
    );
  // Read-only observation for plots: counted queries and malicious ones in this epoch.
  if (s.onEpoch) {
    s.onEpoch(s.epoch, s.epochQueries, s.m.hits - s.epochHitsAt);
    s.epochHitsAt = s.m.hits;
  }
  s.epochQueries = 0;
  if (s.debug && ledger) {
    const att = attackersAlive(s);
    const mass = att.reduce((a, j) => a + ledger.reputation(s.key(s.sc.toTopic), j), 0);
    const gs = att.map((j) => ledger.gate(s.key(s.sc.toTopic), j).toFixed(2)).join(' ');
    const newcomerIn = (topic: number) => 100 * ledger.trust(s.key(topic), s.newcomer);
    const nc = `nc cg=${newcomerIn(s.sc.fromTopic).toFixed(2)} to=${newcomerIn(s.sc.toTopic).toFixed(3)}`;
    s.debug(
      `e${s.epoch} hits=${s.m.hits - s.lastHits} attMass=${mass.toFixed(3)} ids=${s.ids.length} ${nc} gates=${gs}`,
    );
    s.lastHits = s.m.hits;
  }
  if (s.sc.threat === undefined && s.epoch === s.sc.warmup - 1) {
    // Cold start: the newcomer's reputation in toTopic, which it has never served, as it joins (paper: 0.0146 with
    // cross-topic evidence, 0.0019 without).
    s.m.coldStart = ledger ? ledger.trust(s.key(s.sc.toTopic), s.newcomer) : 0;
    (s.ids[s.newcomer] as Identity).serves.add(s.sc.toTopic);
    // The migration: from the next epoch the attackers offer toTopic, where they have never worked.
    for (const j of attackersAlive(s)) (s.ids[j] as Identity).serves.add(s.sc.toTopic);
  }
  if (ledger && s.sc.threat === undefined && s.epoch >= s.sc.warmup) {
    // Sybil whitewashing: a slashed or distrusted attacker re-enters under a fresh identity. A fresh identity
    // cannot carry the old BAID tier (it would be linkable to its operator), so it enters with v = 0 and new stake.
    let nActive = 0;
    for (const x of s.ids) if (x.alive) nActive++;
    for (const j of attackersAlive(s)) {
      const x = s.ids[j] as Identity;
      const low =
        s.epoch - Math.max(x.born, s.sc.warmup) >= 1 &&
        ledger.reputation(s.key(s.sc.toTopic), j) < s.sc.whitewashBelow / nActive;
      if (!ledger.isSlashed(j) && !low) continue;
      retire(s, j);
      const y = newAttacker(s.sc, s.T, s.epoch + 1, false);
      s.ids.push(y);
      ledger.addNode(y.stake, y.tier);
    }
  }
}
