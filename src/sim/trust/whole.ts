// The MG-EigenTrust experiment on whole simulated nodes (docs/trust.md "Whole nodes"): the scenario of ./run.ts
// (population, queries, collusion, whitewashing, threat models; the same seed draws the same population), but every
// query is a real task between the daemon's NodeCores (src/sim/net/node-proc.ts) on the simulated hub
// (src/sim/net/world.ts), with real Ed25519 signatures (verifications memoised across nodes, src/sim/net/memo-crypto.ts)
// and virtual time:
//   - the requester posts (an intent in its topic log, budget escrowed) and invites `candidates` agents sampled among
//     the capabilities it discovered; those serving the topic bid; at the bid deadline the requester awards under
//     the `reputation` rule, choosing proportionally to its OWN trust view (NodeTrust.pick); the worker delivers an
//     artefact by hash, the requester fetches it, rates it, both co-sign the receipt, and the requester publishes it
//     in the topic's log, where every node that follows the topic verifies it and feeds its own trust;
//   - colluders (attackers, spies) run the same protocol among themselves and rate each other 1000;
//   - every node recomputes its trust once per epoch (its trust part's deadline) and publishes its reputation deltas
//     (trust/gossip.ts), which peers receive; whitewashing attackers read their standing from those deltas.
// A global TrustModel of the same method is fed every co-signed receipt as it settles (the global-ledger experiment
// on the same history): views are compared against it, and the worker it would have chosen with the same draws.
// Tiers as on the global ledger (./run.ts, docs/trust.md §3): the initial identities (honest, spies, the original
// attackers) have an operator with a KYC credential, so every node verifies them to T3 against the run's simulated
// registry and issuer (src/sim/net/attestation.ts, checked by the node's own IdentityTiers.attest); a whitewashed
// identity's fresh operator has no credential and stays at T2. Nodes with dynamic pretrust (MG and its ablations)
// require T3, as the global ledger's tier flag v and exploration mask do; uniform pretrust reads no tier there, so
// those nodes require T2 (every identity passes, as on the global ledger).
// Every task names an acceptance check (core/codec/accept.ts: a JSON object with the task id and a numeric
// quality); a malicious delivery fails it with the scenario's proofProbability (the share of bad work a check can
// catch, as the global ledger's verified bad-delivery proofs), and then the requester's node rates it 0 and
// publishes the bad-delivery proof (identity/bad-delivery.ts) that every node verifies and slashes on.

import { toHex, utf8 } from '../../core/base/bytes.js';
import type { CryptoPort } from '../../core/base/ports.js';
import { decodeBody, encodeBody } from '../../core/codec/body.js';
import { DEFAULT_LIMITS } from '../../core/codec/limits.js';
import { naiveMechanism, type Mechanism } from '../../core/market/mechanism.js';
import type { AcceptCheck } from '../../core/codec/task.js';
import type { TaskView } from '../../core/task/engine.js';
import { REPUTATION_TAG, reputationFromBody } from '../../core/trust/gossip.js';
import { TrustModel } from '../../core/trust/model.js';
import type { NodeTrust } from '../../core/trust/node-trust.js';
import { selectProportional } from '../../core/trust/select.js';
import type { PowerIterate, TopicSpec } from '../../core/trust/types.js';
import { simAttestation } from '../net/attestation.js';
import { SIM_EPOCH, simIdentity } from '../net/identities.js';
import { SharedEntries, SharedEntryStore, sharedParser } from '../net/intern.js';
import { memoizedCrypto } from '../net/memo-crypto.js';
import { NodeProc } from '../net/node-proc.js';
import { World } from '../net/world.js';
import { Rng } from '../rng.js';
import { emptyRunMetrics, featuresOf, type Method, type RunMetrics } from './run.js';
import { newAttacker, population, type Identity, type Scenario } from './world.js';

/** One epoch of virtual time: the nodes' recompute period and the ledger's decay unit (NodeTrust decayEpochMs). */
export const WHOLE_EPOCH_MS = 3_600_000;
/** Task windows (ms): short against the epoch, so a task posted in an epoch settles inside it. */
const WINDOWS = { bidWindowMs: 2_000, deliverWindowMs: 5_000, settleWindowMs: 5_000 };
/** Budget and bid (milli-credits): small against the engine's 100-credit grant. */
const BUDGET = 100;
/** Queries and collusion happen in this part of each epoch; the epoch's end is bookkeeping and the recompute. */
const ACTIVE = [0.02, 0.9] as const;
/** When in each epoch nodes check the T3 evidence of agents whose binding they now hold: before the queries. */
const ATTEST_AT = 0.01;
const FLAT = 'all';

const MECHANISM: Mechanism = {
  ...naiveMechanism(),
  alloc: { rule: 'reputation', teamSize: 1 },
  reward: { rule: 'fixed', basis: 'delivery', poolBp: 10_000 },
};
/** What every artefact must be: `{"task": id, "quality": q}`; one without its quality fails (a provable defect). */
const ACCEPT: AcceptCheck = {
  kind: 'json',
  members: [
    ['task', 'string'],
    ['quality', 'number'],
  ],
};

/** What a whole-node run measures beyond ./run.ts RunMetrics. */
export interface WholeMetrics extends RunMetrics {
  /** Reputation entries and bytes (the declarations' bodies) each node published and received, per epoch. */
  entriesSentPerNodeEpoch: number;
  entriesReceivedPerNodeEpoch: number;
  bytesSentPerNodeEpoch: number;
  bytesReceivedPerNodeEpoch: number;
  /** All bytes on all links per node per epoch (every channel). */
  totalBytesPerNodeEpoch: number;
  /** Median pairwise Spearman correlation of honest nodes' trust vectors in toTopic, at warm-up's end and the run's. */
  spearmanPeersWarm: number;
  spearmanPeersEnd: number;
  /** Mean Spearman correlation of an honest node's vector in toTopic with the global model's. */
  spearmanGlobalWarm: number;
  spearmanGlobalEnd: number;
  /** Share of honest queries whose worker differs from the one the global model picks with the same draws. */
  differs: number;
  /** Attack success per epoch (NaN where the epoch has no counted query). */
  perEpoch: number[];
  /** Tasks posted, settled; real Ed25519 verifications and memo hits. */
  tasks: number;
  settled: number;
  verified: number;
  memoHits: number;
  /** T3 checks nodes passed (an initial identity's evidence, checked once by each node holding its binding). */
  attested: number;
  /** Bad-delivery proofs: published by the requesters' nodes, and verified fresh by any node (requesters included). */
  proofsPublished: number;
  proofsVerified: number;
}

interface TaskInfo {
  readonly requester: number;
  readonly k: number;
  readonly collude: boolean;
  /** The worker a colluder designated. */
  readonly target?: number;
  readonly epoch: number;
  worker?: number;
  bad?: boolean;
  /** The delivery fails the acceptance check: the requester rates 0 and proves it on the fraud channel. */
  proven?: boolean;
  outcome?: number;
}

/** Spearman rank correlation of two equal-length vectors (average ranks on ties); NaN if either is constant. */
export function spearman(a: readonly number[], b: readonly number[]): number {
  const rank = (x: readonly number[]) => {
    const idx = x.map((_, i) => i).sort((i, j) => (x[i] as number) - (x[j] as number));
    const r = new Array<number>(x.length);
    for (let s = 0; s < idx.length;) {
      let e = s;
      while (e + 1 < idx.length && x[idx[e + 1] as number] === x[idx[s] as number]) e++;
      for (let q = s; q <= e; q++) r[idx[q] as number] = (s + e) / 2;
      s = e + 1;
    }
    return r;
  };
  const ra = rank(a);
  const rb = rank(b);
  const n = a.length;
  const ma = ra.reduce((x, y) => x + y, 0) / n;
  const mb = rb.reduce((x, y) => x + y, 0) / n;
  let num = 0;
  let da = 0;
  let db = 0;
  for (let i = 0; i < n; i++) {
    const x = (ra[i] as number) - ma;
    const y = (rb[i] as number) - mb;
    num += x * y;
    da += x * x;
    db += y * y;
  }
  return da > 0 && db > 0 ? num / Math.sqrt(da * db) : NaN;
}

const median = (xs: number[]) => {
  const v = xs.filter(Number.isFinite).sort((a, b) => a - b);
  if (!v.length) return NaN;
  const m = v.length >> 1;
  return v.length % 2 ? (v[m] as number) : ((v[m - 1] as number) + (v[m] as number)) / 2;
};
const mean = (xs: number[]) => {
  const v = xs.filter(Number.isFinite);
  return v.length ? v.reduce((a, b) => a + b, 0) / v.length : NaN;
};

export function runWhole(
  sc: Scenario,
  topics: readonly TopicSpec[],
  method: Method,
  seed: number,
  iterate: PowerIterate,
  realCrypto: CryptoPort,
  onEpoch?: (epoch: number, success: number) => void,
  /** Called with the run's simulated world once it exists (a caller counting deliveries sets `onDeliver`). */
  observe?: (world: World) => void,
): WholeMetrics {
  const T = topics.length;
  const rng = new Rng(seed);
  const ids: Identity[] = population(sc, T, rng); // the same draws as ./run.ts: the same population per seed
  const features = featuresOf(method);
  const flat = method === 'flat';
  const { crypto, stats } = memoizedCrypto(realCrypto);
  const world = new World(seed, { lossP: 0 });
  observe?.(world);
  const key = (k: number) => (flat ? FLAT : (topics[k] as TopicSpec).name);
  const topicIx = new Map(topics.map((t, k) => [t.name, k] as const));
  const global = features
    ? new TrustModel(flat ? [{ name: FLAT, tags: [] }] : topics, sc.nodes + sc.attackers * (sc.epochs + 1), features)
    : undefined;
  const procs: NodeProc[] = [];
  const hexes: string[] = [];
  const byHex = new Map<string, number>();
  const tasks = new Map<string, TaskInfo>();
  const registry = simAttestation(crypto, seed);
  const requiredTier = features?.pretrust === 'dynamic' ? 3 : 2;
  /** T3 evidence of identity j (its operator's credential), absent for an identity without KYC. */
  const evidence: (ReturnType<typeof registry.evidence> | undefined)[] = [];
  /** attestedBy[i]: identities node i verified to T3. */
  const attestedBy: Set<number>[] = [];
  const m: WholeMetrics = {
    ...emptyRunMetrics(),
    entriesSentPerNodeEpoch: 0,
    entriesReceivedPerNodeEpoch: 0,
    bytesSentPerNodeEpoch: 0,
    bytesReceivedPerNodeEpoch: 0,
    totalBytesPerNodeEpoch: 0,
    spearmanPeersWarm: NaN,
    spearmanPeersEnd: NaN,
    spearmanGlobalWarm: NaN,
    spearmanGlobalEnd: NaN,
    differs: 0,
    perEpoch: [],
    tasks: 0,
    settled: 0,
    verified: 0,
    memoHits: 0,
    attested: 0,
    proofsPublished: 0,
    proofsVerified: 0,
  };
  let epoch = 0;
  let epochQueries = 0;
  let epochHits = 0;
  let compared = 0;
  let differ = 0;
  /** The task being posted and whom it invites (read by the invitees hook inside `post`). */
  let posting: { invite: (found: readonly string[]) => string[] } | undefined;
  const rep = { sentEntries: 0, sentBytes: 0, recvEntries: 0, recvBytes: 0 };
  const repOf = new WeakMap<Uint8Array, number>();
  /** A received reputation declaration's entries and re-encoded body size, per entry id (the same at every node). */
  const recvOf = new Map<string, { entries: number; bytes: number }>();
  /** Log entries: one stored object per entry across the nodes (src/sim/net/intern.ts). */
  const entries = new SharedEntries();
  /** Received messages: parsed once for all the nodes they reach (src/sim/net/intern.ts). */
  const parse = sharedParser();
  /** Reputation entries a body message carries (0 for any other body), decoded once per message object. */
  const repEntries = (bytes: Uint8Array): number => {
    let n = repOf.get(bytes);
    if (n === undefined) {
      n = 0;
      try {
        const b = decodeBody(bytes, DEFAULT_LIMITS);
        if (b.tags.includes(REPUTATION_TAG)) n = reputationFromBody(b).length;
      } catch {
        n = 0; // not a body this count is about
      }
      repOf.set(bytes, n);
    }
    return n;
  };

  const trustOf = (i: number): NodeTrust | undefined => procs[i]?.node.trustPart?.trust;
  const alive = (i: number) => (ids[i] as Identity).alive;
  const honestIx = () =>
    ids.map((x, i) => (x.role === 'honest' || x.role === 'newcomer' ? i : -1)).filter((i) => i >= 0);
  const attackersAlive = () => ids.map((x, i) => (x.alive && x.role === 'attacker' ? i : -1)).filter((i) => i >= 0);
  const quality = (mu: number) => Math.round(1000 * Math.min(1, Math.max(0, rng.normal(mu, sc.noise))));

  /** Announces node i's declarations: an intent (it requests) in every topic, a capability where it serves. */
  const declare = (i: number, ks: Iterable<number>, kind: 'capability' | 'intent') => {
    const p = procs[i] as NodeProc;
    world.act(i, () =>
      p.act(world.now, (c, now) => {
        for (const k of ks) {
          const t = topics[k] as TopicSpec;
          c.announce(now, {
            kind,
            topic: t.name,
            tags: [...t.tags],
            text: `${kind} ${t.name}`,
            ttlMs: 200 * WHOLE_EPOCH_MS,
          });
        }
      }),
    );
  };

  const addNode = (x: Identity): number => {
    const i = ids.indexOf(x);
    const sid = simIdentity(crypto, seed, i, Math.round(x.stake));
    hexes[i] = toHex(sid.agentKey);
    byHex.set(hexes[i] as string, i);
    evidence[i] = x.tier ? registry.evidence(crypto.signer.publicKey(sid.operatorSecret)) : undefined;
    attestedBy[i] = new Set();
    const w = world.addNode((io) => {
      const publish = io.publish.bind(io);
      const wrapped = {
        ...io,
        publish: (name: string, bytes: Uint8Array, retain: boolean, expiryMs?: number) => {
          if (name.startsWith('body/')) {
            const n = repEntries(bytes);
            if (n > 0) {
              rep.sentEntries += n;
              rep.sentBytes += bytes.length;
            }
          }
          publish(name, bytes, retain, expiryMs);
        },
      };
      const p = new NodeProc(
        wrapped,
        { crypto, store: new SharedEntryStore(entries), agentSecret: sid.agentSecret, binding: sid.binding },
        {
          onStart: (core) => {
            for (const t of topics) core.follow(t.name);
            if (flat) core.follow(FLAT); // where a flattened node publishes its reputation deltas
          },
          // A peer's reputation declaration as this node received it (trust/gossip.ts): its entries and body size.
          onEvent: (e) => {
            if (e.type === 'bad_delivery') {
              m.proofsVerified++;
              if (tasks.get(e.task)?.requester === i) m.proofsPublished++; // its own check, before it publishes
              return;
            }
            if (e.type !== 'declared' || !e.body.tags.includes(REPUTATION_TAG)) return;
            let r = recvOf.get(e.entryId);
            if (r === undefined) {
              try {
                r = { entries: reputationFromBody(e.body).length, bytes: encodeBody(e.body).length };
              } catch {
                r = { entries: 0, bytes: 0 }; // a malformed one is trust's rejection to count, not an exchanged entry
              }
              recvOf.set(e.entryId, r);
            }
            rep.recvEntries += r.entries;
            rep.recvBytes += r.bytes;
          },
          onTaskEvent: (e) => {
            if (e.type !== 'receipt' || e.entry === undefined) return; // the requester's side publishes it
            const info = tasks.get(e.task);
            if (!info || info.worker === undefined || info.outcome === undefined) return;
            m.settled++;
            global?.handleReceipt({
              taskId: e.task,
              topic: key(info.k),
              requester: info.requester,
              worker: info.worker,
              outcome: info.outcome,
              ts: info.epoch,
            });
          },
        },
        {
          trust: features
            ? {
                recomputeMs: WHOLE_EPOCH_MS,
                iterate,
                node: {
                  features,
                  decayEpochMs: WHOLE_EPOCH_MS,
                  requiredTier,
                  explore: sc.explore,
                  ...(flat ? { flatten: FLAT } : {}),
                },
              }
            : false,
          flood: false,
          parse,
          taskPolicy: {
            grant: 1_000_000,
            invitees: (_topic, found) => (posting ? posting.invite(found) : []),
            policy: {
              bid: (t) => {
                const k = topicIx.get(t.topic);
                const me = ids[i] as Identity;
                return k !== undefined && me.alive && me.serves.has(k) ? BUDGET : undefined;
              },
              deliver: (t) => {
                const info = tasks.get(t.id);
                if (!info) return undefined;
                const me = ids[i] as Identity;
                let q: number;
                if (info.collude) q = 1000;
                else {
                  const bad =
                    me.role === 'attacker' &&
                    (sc.threat === undefined
                      ? info.k === sc.toTopic && info.epoch >= sc.warmup
                      : sc.threat !== 'C' || !rng.bool(sc.camouflage));
                  info.bad = bad;
                  const counted = sc.threat !== undefined || (info.k === sc.toTopic && info.epoch >= sc.warmup);
                  if (bad) {
                    me.malicious++;
                    if (counted) {
                      m.hits++;
                      epochHits++;
                    }
                  }
                  q = quality(bad ? sc.maliciousQuality : (me.competence[info.k] as number));
                  if (bad && rng.bool(sc.proofProbability)) {
                    // Work the task's check catches: the requester's engine rates it 0 without asking the rater.
                    info.proven = true;
                    info.outcome = 0;
                    global?.handleFraudProof({ culprit: i, topic: key(info.k), kind: 'bad-delivery', ts: info.epoch });
                    return utf8(JSON.stringify({ task: t.id }));
                  }
                }
                return utf8(JSON.stringify({ task: t.id, quality: q }));
              },
              rate: (t, artefact) => {
                const info = tasks.get(t.id);
                if (!info) return undefined;
                const a = JSON.parse(new TextDecoder().decode(artefact)) as { quality: number };
                info.outcome = a.quality;
                return info.outcome;
              },
            },
            choose: (t: TaskView, bidders: readonly string[]) => {
              const info = tasks.get(t.id);
              if (!info) return undefined;
              if (info.collude) {
                const w = bidders.find((b) => b === hexes[info.target as number]);
                if (w !== undefined) info.worker = info.target as number;
                return w;
              }
              const u1 = rng.next();
              const u2 = rng.next();
              const idx = bidders.map((b) => byHex.get(b) as number);
              const nt = trustOf(i);
              const pick = nt
                ? nt.pick(t.topic, bidders, u1, u2)
                : Math.min(bidders.length - 1, Math.floor(u2 * bidders.length));
              if (global) {
                const g = selectProportional(
                  idx.map((j) => global.selectionScore(key(info.k), j)),
                  sc.explore,
                  u1,
                  u2,
                  global.features.pretrust === 'dynamic' ? idx.map((j) => global.tierOk(j)) : undefined,
                );
                compared++;
                if (g !== pick) differ++;
              }
              info.worker = idx[pick] as number;
              const counted = sc.threat !== undefined || (info.k === sc.toTopic && info.epoch >= sc.warmup);
              if (counted) {
                m.queries++;
                epochQueries++;
              }
              return bidders[pick];
            },
          },
        },
      );
      procs[i] = p;
      return p;
    });
    if (w !== i) throw new Error(`whole-node run: node ${w} for identity ${i}`);
    global?.addNode(x.stake, x.tier);
    world.join(i);
    declare(i, topics.keys(), 'intent');
    declare(i, x.serves, 'capability');
    return i;
  };

  /** Node i posts a task in topic k; `invite` picks its invitees among the capabilities it discovered. */
  const post = (i: number, k: number, info: TaskInfo, invite: (found: readonly string[]) => string[]) => {
    const p = procs[i] as NodeProc;
    if (!alive(i)) return;
    posting = { invite };
    try {
      world.act(i, () =>
        p.actNode(world.now, (n, now) => {
          const t = n.tasks!.post(now, {
            topic: (topics[k] as TopicSpec).name,
            tags: [...(topics[k] as TopicSpec).tags],
            text: `task ${m.tasks}`,
            budget: BUDGET,
            mechanism: MECHANISM,
            accept: ACCEPT,
            ...WINDOWS,
          });
          tasks.set(t.id, info);
          m.tasks++;
        }),
      );
    } finally {
      posting = undefined;
    }
  };

  const onQuery = (k: number) => {
    const requesters = ids.map((x, i) => (x.role !== 'attacker' ? i : -1)).filter((i) => i >= 0);
    const r = requesters[rng.int(requesters.length)] as number;
    post(r, k, { requester: r, k, collude: false, epoch }, (found) =>
      rng.sample(
        found.filter((h) => h !== hexes[r] && alive(byHex.get(h) ?? -1)),
        sc.candidates,
      ),
    );
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
        post(r, k, { requester: r, k, collude: true, target: w, epoch }, (found) =>
          found.includes(hexes[w] as string) ? [hexes[w] as string] : [],
        );
      }
    }
  };

  /** Honest nodes' trust vectors in toTopic over the live identities, and the global model's. */
  const snapshot = (): { peers: number; global: number } => {
    const live = ids.map((x, i) => (x.alive ? i : -1)).filter((i) => i >= 0);
    const hs = honestIx();
    const vecs = hs.map((h) => {
      const nt = trustOf(h);
      return live.map((j) => (nt ? nt.trustOf((topics[sc.toTopic] as TopicSpec).name, hexes[j] as string) : 0));
    });
    const pairs: number[] = [];
    for (let a = 0; a < vecs.length; a++)
      for (let b = a + 1; b < vecs.length; b++) pairs.push(spearman(vecs[a] as number[], vecs[b] as number[]));
    const g = global ? live.map((j) => global.reputation(key(sc.toTopic), j)) : undefined;
    return { peers: median(pairs), global: g ? mean(vecs.map((v) => spearman(v, g))) : NaN };
  };

  /** An identity counts as flagged when most honest nodes' views flag it. */
  const flaggedByHonest = (j: number): boolean => {
    const hs = honestIx().filter((h) => h !== j);
    const k = hs.filter((h) => trustOf(h)?.flagged(hexes[j] as string)).length;
    return hs.length > 0 && k * 2 > hs.length;
  };

  const retire = (j: number) => {
    const x = ids[j] as Identity;
    x.alive = false;
    if (x.role === 'attacker' && x.malicious > 0) {
      m.harmful++;
      if (features && flaggedByHonest(j)) m.harmfulFlagged++;
    }
    global?.retire(j);
    world.leave(j);
  };

  const onEpochEnd = () => {
    global?.recompute(epoch, iterate);
    m.perEpoch.push(epochQueries > 0 ? epochHits / epochQueries : NaN);
    onEpoch?.(epoch, epochQueries > 0 ? epochHits / epochQueries : NaN);
    epochQueries = 0;
    epochHits = 0;
    if (sc.threat === undefined && epoch === sc.warmup - 1) {
      const nc = ids.findIndex((x) => x.role === 'newcomer');
      const views = honestIx()
        .filter((h) => h !== nc)
        .map((h) => {
          const nt = trustOf(h);
          const n = nt?.status().agents ?? 0;
          return nt && n ? nt.trustOf((topics[sc.toTopic] as TopicSpec).name, hexes[nc] as string) / n : 0;
        });
      m.coldStart = mean(views) || 0;
      const s = snapshot();
      m.spearmanPeersWarm = s.peers;
      m.spearmanGlobalWarm = s.global;
      (ids[nc] as Identity).serves.add(sc.toTopic);
      declare(nc, [sc.toTopic], 'capability');
      for (const j of attackersAlive()) {
        (ids[j] as Identity).serves.add(sc.toTopic);
        declare(j, [sc.toTopic], 'capability');
      }
    }
    if (features && sc.threat === undefined && epoch >= sc.warmup) {
      for (const j of attackersAlive()) {
        const x = ids[j] as Identity;
        if (epoch - Math.max(x.born, sc.warmup) < 1) continue;
        // Its standing as its peers publish it (their reputation deltas, received by its own node).
        const seen = trustOf(j)?.peers.about((topics[sc.toTopic] as TopicSpec).name, hexes[j] as string);
        const low = seen !== undefined && seen.mean !== null && seen.mean < sc.whitewashBelow;
        if (!low) continue;
        retire(j);
        const y = newAttacker(sc, T, epoch + 1, false);
        ids.push(y);
        addNode(y);
      }
    }
  };

  /** Every live node checks the T3 evidence of the agents it holds a binding of and has not verified to T3 yet. */
  const attestSweep = () => {
    ids.forEach((x, i) => {
      if (!x.alive) return;
      const v = (procs[i] as NodeProc).core.verifier;
      const done = attestedBy[i] as Set<number>;
      evidence.forEach((ev, j) => {
        if (!ev || done.has(j) || !v.bindingOf(hexes[j] as string)) return;
        const r = v.attest(hexes[j] as string, ev, registry.trust, SIM_EPOCH + world.now);
        if (!r.ok) throw new Error(`whole-node run: node ${i} refused T3 evidence of ${j}: ${r.detail}`);
        done.add(j);
        m.attested++;
      });
    });
  };

  for (const x of [...ids]) addNode(x);
  const span = ACTIVE[1] - ACTIVE[0];
  for (epoch = 0; epoch < sc.epochs; epoch++) {
    const base = epoch * WHOLE_EPOCH_MS;
    const attackPhase = sc.threat !== undefined || epoch >= sc.warmup;
    const at = () => base + Math.floor(WHOLE_EPOCH_MS * (ACTIVE[0] + span * rng.next()));
    world.at(base + WHOLE_EPOCH_MS * ATTEST_AT, attestSweep);
    for (let k = 0; k < T; k++) {
      for (let q = 0; q < sc.queriesPerTopic; q++) world.at(at(), () => onQuery(k));
      const colludeHere =
        sc.threat !== undefined ? sc.threat !== 'A' : k === sc.fromTopic || (k === sc.toTopic && attackPhase);
      if (colludeHere) {
        world.at(at(), () => onCollude('attacker', k));
        const spyHere = sc.threat === 'D' || (sc.threat === undefined && (k === sc.fromTopic || sc.spiesInTarget));
        if (spyHere) world.at(at(), () => onCollude('spy', k));
      }
    }
    // Just after the nodes' own recompute at the epoch boundary (their trust part's deadline).
    world.run(base + WHOLE_EPOCH_MS + 10);
    onEpochEnd();
  }
  // The run's end: views compared, honest identities wrongly flagged, live attackers retired.
  const s = snapshot();
  m.spearmanPeersEnd = s.peers;
  m.spearmanGlobalEnd = s.global;
  ids.forEach((x, j) => {
    if (x.role === 'honest' || x.role === 'newcomer') {
      m.honest++;
      if (features && flaggedByHonest(j)) m.honestFlagged++;
    }
  });
  ids.forEach((x, j) => {
    if (x.alive && x.role === 'attacker') retire(j);
  });
  m.capital = sc.attackers * sc.attackerStake + m.lost;
  m.gain = sc.payoff * m.hits;
  const nodeEpochs = sc.nodes * sc.epochs;
  m.entriesSentPerNodeEpoch = rep.sentEntries / nodeEpochs;
  m.entriesReceivedPerNodeEpoch = rep.recvEntries / nodeEpochs;
  m.bytesSentPerNodeEpoch = rep.sentBytes / nodeEpochs;
  m.bytesReceivedPerNodeEpoch = rep.recvBytes / nodeEpochs;
  m.totalBytesPerNodeEpoch = world.totalBytes() / nodeEpochs;
  m.entriesPerEpoch = m.entriesSentPerNodeEpoch;
  m.differs = compared ? differ / compared : NaN;
  m.verified = stats.verified;
  m.memoHits = stats.memoHits;
  return m;
}
