// One run of the MG-EigenTrust experiment for one method and one seed (docs/architecture.md §7, §10). A query cycle per epoch on
// the shared virtual-clock scheduler: queries of every topic and the colluders' receipts at random instants of the
// epoch, then the trust recompute (one injected power-iteration call for all topics), whitewashing, bookkeeping.
import { TrustModel } from '../../core/trust/model.js';
import { MG_FEATURES, EIGENTRUST_FEATURES, type TrustFeatures } from '../../core/trust/params.js';
import { selectProportional } from '../../core/trust/select.js';
import type { PowerIterate, TopicSpec } from '../../core/trust/types.js';
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

type Ev =
  | { kind: 'query'; topic: number }
  | { kind: 'collude'; from: 'attacker' | 'spy'; topic: number }
  | { kind: 'epoch-end' };

const EPOCH = 1_000_000; // virtual time units per epoch

export function runOnce(
  sc: Scenario,
  topics: readonly TopicSpec[],
  method: Method,
  seed: number,
  iterate: PowerIterate,
  debug?: (line: string) => void,
  onMass?: (epoch: number, attackerMass: number) => void,
): RunMetrics {
  let lastHits = 0;
  const T = topics.length;
  const sched = new Scheduler<Ev>(seed);
  const rng = sched.rng;
  const ids: Identity[] = population(sc, T, rng);
  const features = featuresOf(method);
  const flat = method === 'flat';
  // Flattened EigenTrust: one graph over every topic's receipts (the baseline the paper calls "one flattened").
  const ledgerTopics = flat ? [{ name: 'all', tags: [] }] : topics;
  const key = (k: number): string => (flat ? 'all' : (topics[k] as TopicSpec).name);
  const ledger = features
    ? new TrustModel(ledgerTopics, sc.nodes + sc.attackers * (sc.epochs + 1), features)
    : undefined;
  for (const id of ids) ledger?.addNode(id.stake, id.tier);
  const newcomer = ids.findIndex((x) => x.role === 'newcomer');
  // Requesters: everyone who behaves honestly as a user, spies included (a spy uses the network like anyone else
  // and rates what it gets honestly; its collusion is extra receipts for attackers, see onCollude).
  const requesters = ids.map((x, i) => (x.role !== 'attacker' ? i : -1)).filter((i) => i >= 0);
  const m: RunMetrics = {
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
  };
  let epoch = 0;
  let task = 0;
  const attackPhase = () => sc.threat !== undefined || epoch >= sc.warmup;
  const quality = (mean: number) => Math.round(1000 * Math.min(1, Math.max(0, rng.normal(mean, sc.noise))));
  const attackersAlive = () => ids.map((x, i) => (x.alive && x.role === 'attacker' ? i : -1)).filter((i) => i >= 0);

  const retire = (j: number) => {
    const x = ids[j] as Identity;
    x.alive = false;
    ledger?.retire(j);
    if (x.role === 'attacker') {
      const st = ledger?.stakeOf(j);
      m.lost += st ? st.burnt + st.frozen : 0;
      if (x.malicious > 0) {
        m.harmful++;
        if (ledger?.flagged(j)) m.harmfulFlagged++;
      }
    }
  };

  const onQuery = (k: number) => {
    const requester = requesters[rng.int(requesters.length)] as number;
    const providers = ids
      .map((x, i) => (x.alive && i !== requester && x.serves.has(k) && !ledger?.isSlashed(i) ? i : -1))
      .filter((i) => i >= 0);
    if (providers.length === 0) return;
    const cands = rng.sample(providers, sc.candidates);
    const u1 = rng.next();
    const u2 = rng.next();
    const pick = ledger
      ? selectProportional(
          cands.map((j) => ledger.selectionScore(key(k), j)),
          sc.explore,
          u1,
          u2,
          ledger.features.pretrust === 'dynamic' ? cands.map((j) => ledger.tierOk(j)) : undefined,
        )
      : Math.min(cands.length - 1, Math.floor(u2 * cands.length));
    const w = cands[pick] as number;
    const x = ids[w] as Identity;
    const bad =
      x.role === 'attacker' &&
      (sc.threat === undefined
        ? k === sc.toTopic && epoch >= sc.warmup
        : sc.threat !== 'C' || !rng.bool(sc.camouflage));
    const counted = sc.threat !== undefined || (k === sc.toTopic && epoch >= sc.warmup);
    if (counted) m.queries++;
    if (bad) {
      x.malicious++;
      if (counted) m.hits++;
    }
    const outcome = quality(bad ? sc.maliciousQuality : (x.competence[k] as number));
    ledger?.handleReceipt({ taskId: `q${task++}`, topic: key(k), requester, worker: w, outcome, ts: epoch });
    if (bad && rng.bool(sc.proofProbability))
      ledger?.handleFraudProof({ culprit: w, topic: key(k), kind: 'bad-delivery', ts: epoch });
  };

  const onCollude = (from: 'attacker' | 'spy', k: number) => {
    const att = attackersAlive();
    const raters = from === 'spy' ? ids.map((x, i) => (x.role === 'spy' ? i : -1)).filter((i) => i >= 0) : att;
    for (const r of raters) {
      const per = from === 'spy' ? sc.collusionPerSpy : sc.collusionPerAttacker;
      for (let q = 0; q < per; q++) {
        const others = att.filter((j) => j !== r && (ids[j] as Identity).serves.has(k));
        if (others.length === 0) break;
        const w = others[rng.int(others.length)] as number;
        ledger?.handleReceipt({
          taskId: `c${task++}`,
          topic: key(k),
          requester: r,
          worker: w,
          outcome: 1000,
          ts: epoch,
        });
      }
    }
  };

  const onEpochEnd = () => {
    if (ledger) ledger.recompute(epoch, iterate);
    // Read-only observation for plots: the attackers' share of trust in the target topic after this epoch.
    if (onMass && ledger)
      onMass(
        epoch,
        attackersAlive().reduce((a, j) => a + ledger.reputation(key(sc.toTopic), j), 0),
      );
    if (debug && ledger) {
      const att = attackersAlive();
      const mass = att.reduce((a, j) => a + ledger.reputation(key(sc.toTopic), j), 0);
      const gs = att.map((j) => ledger.gate(key(sc.toTopic), j).toFixed(2)).join(' ');
      const nc = `nc cg=${(100 * ledger.trust(key(sc.fromTopic), newcomer)).toFixed(2)} to=${(100 * ledger.trust(key(sc.toTopic), newcomer)).toFixed(3)}`;
      debug(`e${epoch} hits=${m.hits - lastHits} attMass=${mass.toFixed(3)} ids=${ids.length} ${nc} gates=${gs}`);
      lastHits = m.hits;
    }
    if (sc.threat === undefined && epoch === sc.warmup - 1) {
      // Cold start: the newcomer's reputation in toTopic, which it has never served, as it joins (paper: 0.0146 with
      // cross-topic evidence, 0.0019 without).
      m.coldStart = ledger ? ledger.trust(key(sc.toTopic), newcomer) : 0;
      (ids[newcomer] as Identity).serves.add(sc.toTopic);
      // The migration: from the next epoch the attackers offer toTopic, where they have never worked.
      for (const j of attackersAlive()) (ids[j] as Identity).serves.add(sc.toTopic);
    }
    if (ledger && sc.threat === undefined && epoch >= sc.warmup) {
      // Sybil whitewashing: a slashed or distrusted attacker re-enters under a fresh identity. A fresh identity
      // cannot carry the old BAID tier (it would be linkable to its operator), so it enters with v = 0 and new stake.
      let nActive = 0;
      for (const x of ids) if (x.alive) nActive++;
      for (const j of attackersAlive()) {
        const x = ids[j] as Identity;
        const low =
          epoch - Math.max(x.born, sc.warmup) >= 1 &&
          ledger.reputation(key(sc.toTopic), j) < sc.whitewashBelow / nActive;
        if (!ledger.isSlashed(j) && !low) continue;
        retire(j);
        const y = newAttacker(sc, T, epoch + 1, false);
        ids.push(y);
        ledger.addNode(y.stake, y.tier);
      }
    }
  };

  for (epoch = 0; epoch < sc.epochs; epoch++) {
    const base = epoch * EPOCH;
    for (let k = 0; k < T; k++) {
      for (let q = 0; q < sc.queriesPerTopic; q++) sched.at(base + 1 + rng.int(EPOCH - 2), { kind: 'query', topic: k });
      const colludeHere =
        sc.threat !== undefined ? sc.threat !== 'A' : k === sc.fromTopic || (k === sc.toTopic && attackPhase());
      if (colludeHere) {
        sched.at(base + 1 + rng.int(EPOCH - 2), { kind: 'collude', from: 'attacker', topic: k });
        // Spies bridge: they praise attackers in the source topic (so the reputation exists to be imported) and,
        // with spiesInTarget, also in the target topic once the attack runs.
        const spyHere = sc.threat === 'D' || (sc.threat === undefined && (k === sc.fromTopic || sc.spiesInTarget));
        if (spyHere) sched.at(base + 1 + rng.int(EPOCH - 2), { kind: 'collude', from: 'spy', topic: k });
      }
    }
    sched.at(base + EPOCH - 1, { kind: 'epoch-end' });
    sched.run(
      (e) => {
        if (e.kind === 'query') onQuery(e.topic);
        else if (e.kind === 'collude') onCollude(e.from, e.topic);
        else onEpochEnd();
      },
      base + EPOCH - 1,
    );
  }
  ids.forEach((x, j) => {
    if (x.role === 'honest' || x.role === 'newcomer') {
      m.honest++;
      if (ledger?.flagged(j)) m.honestFlagged++;
    }
  });
  ids.forEach((x, j) => {
    if (x.alive && x.role === 'attacker') retire(j);
  });
  // Capital: the stake the attackers keep posted (one stake per live identity; stake returned on retirement is
  // reused by the next identity) plus fresh money to replace what slashing burnt or froze.
  m.capital = sc.attackers * sc.attackerStake + m.lost;
  m.gain = sc.payoff * m.hits;
  m.entriesPerEpoch = ledger ? ledger.entriesSent / sc.epochs : 0;
  return m;
}
