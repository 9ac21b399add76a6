// NodeTrust: MG-EigenTrust in a running node (docs/architecture.md §7), sans-I/O (docs/conventions.md §2). It turns what the network
// delivers into verified TrustModel inputs:
//
//   `declared` event (a watched `receipt` state body, AgentCore.watch)
//     -> signedReceiptFromBody -> decodeReceipt (one-sided, swapped or self receipts do not decode: malformed)
//     -> receipt topic = log topic (else wrong_topic) -> ts within the clock skew (else future)
//     -> both signers' bindings known? (else held until they are, then unknown_author)
//     -> checkReceipt: both signatures at T1 (forged: bad_signature; expired, revoked, out of scope)
//     -> once per (taskId, requester, worker) -> ledger.handleReceipt (s_ij, live gate)
//   `declared` complaint (task/complaint.ts: requester-signed rating carrying the worker's signed delivery)
//     -> T1 on both signatures -> once per (taskId, requester, worker) -> ledger.handleReceipt (a rating, no slashing)
//   verified fraud proof (IdentityTiers.pollFraud: fork, double award) -> ledger.handleFraudProof (burn, freeze, gate 0)
//   recompute(now, iterate) once per epoch (profile trustRecomputeMs): stakes from the bindings' `bond`, tiers
//     from the verifier, held receipts retried, one power-iteration call for all topics, exchange count.
//
// Time: the ledger's clock is now / decayEpochMs (fractional), so a receipt's weight decays by λ per decay epoch;
// the recompute period (profile) only sets how often trust is recomputed and published.
// The ledger, its key map and its rebuilds (a new topic, more identities: verified inputs replayed) are
// KeyedTrustModel's (./keyed-model.ts).
// Rejections are counted and polled as `rejected` events (channel `body`), never thrown.

import { StringTable } from '../base/intern.js';
import { toHex } from '../base/bytes.js';
import type { Body } from '../codec/body.js';
import { decodeReceipt, signedReceiptFromBody, type SignedReceipt } from '../codec/receipt.js';
import { Counters } from '../base/counters.js';
import { DecodeError, REJECT_REASONS, type RejectReason } from '../base/errors.js';
import { checkReceipt } from '../identity/receipt.js';
import { DEFAULT_LIMITS } from '../codec/limits.js';
import { checkComplaint, complaintFromBody, decodeComplaint, isComplaintBody } from '../task/complaint.js';
import type { FraudProof as IdentityFraudProof } from '../identity/fraud.js';
import type { IdentityTiers } from '../identity/tiers.js';
import type { Candidate, CoreEvent } from '../types.js';
import { KeyedTrustModel, type ProofRec, type ReceiptRec } from './keyed-model.js';
import type { TrustModel } from './model.js';
import { DEFAULT_TRUST_PARAMS, MG_FEATURES } from './params.js';
import { MAX_REPUTATION_ENTRIES, PeerViews, reputationFromBody, type ReputationEntry } from './gossip.js';
import { selectArgmax, selectProportional } from './select.js';
import type { PowerIterate, TopicSpec } from './types.js';
import { Conduct } from './conduct.js';
import type { NodeTrustOptions, RankedCandidate, TrustEntry } from './node-types.js';

export type { NodeTrustOptions, RankedCandidate, TrustEntry } from './node-types.js';

interface Held {
  readonly sr: SignedReceipt;
  readonly topic: string;
  readonly at: number;
}

export class NodeTrust {
  readonly counters = new Counters(REJECT_REASONS);
  /** Other nodes' published reputation deltas (received, reported; not an input of this node's trust). */
  readonly peers = new PeerViews();
  /** This node's own record of attributable violations (./conduct.ts): multiplies its trust in an author, never exchanged. */
  readonly conduct: Conduct;
  private readonly o: Required<Omit<NodeTrustOptions, 'verifier' | 'conduct' | 'flatten'>>;
  /** The one trust topic of a flattened node, if it is one. */
  private readonly flat: string | undefined;
  private readonly v: IdentityTiers;
  /** The ledger with its agent-key map and replayed rebuilds (./keyed-model.ts). */
  private readonly book: KeyedTrustModel;
  private readonly seen = new Set<string>();
  /** Agent keys and topics of the receipts kept: one string object each (base/intern.ts). */
  private readonly names = new StringTable();
  private readonly receiptsOf = new Map<string, number>();
  private held: Held[] = [];
  /** Signers of held receipts whose binding the node should fetch (pollBindingRequest), each asked once. */
  private readonly wanted: string[] = [];
  private readonly asked = new Set<string>();
  /** verifier.knownAgents() when the held receipts were last retried. */
  private knownAtRetry = 0;
  private readonly events: CoreEvent[] = [];
  /** The latest `now` seen (ms): tiers of identities re-registered by a rebuild are read at it. */
  private lastNow = 0;
  /** Topics with at least one verified receipt: only those publish reputation deltas. */
  private readonly evidenced = new Set<string>();
  private readonly outbox: { topic: string; entries: ReputationEntry[] }[] = [];
  private published = 0;
  private publishedDecls = 0;
  private accepted = 0;
  private duplicates = 0;
  private slashings = 0;
  private complaints = 0;
  private last: { epoch: number; entries: number; iterations: number[]; residuals: number[] } | undefined;

  constructor(o: NodeTrustOptions) {
    if (!(o.recomputeMs > 0)) throw new RangeError(`recomputeMs: ${o.recomputeMs} must be > 0`);
    if (o.decayEpochMs !== undefined && !(o.decayEpochMs > 0))
      throw new RangeError(`decayEpochMs: ${o.decayEpochMs} must be > 0`);
    this.v = o.verifier;
    this.conduct = o.conduct ?? new Conduct();
    this.flat = o.flatten;
    this.o = {
      recomputeMs: o.recomputeMs,
      decayEpochMs: o.decayEpochMs ?? 3_600_000,
      requiredTier: o.requiredTier ?? 3,
      features: o.features ?? MG_FEATURES,
      params: o.params ?? DEFAULT_TRUST_PARAMS,
      clockSkewMs: o.clockSkewMs ?? 5 * 60_000,
      maxHeld: o.maxHeld ?? 1024,
      heldEpochs: o.heldEpochs ?? 2,
      maxReplay: o.maxReplay ?? 100_000,
      capacity: o.capacity ?? 256,
      explore: o.explore ?? 0.02,
    };
    const { capacity, features, params, maxReplay } = this.o;
    this.book = new KeyedTrustModel({
      capacity,
      features,
      params,
      maxReplay,
      tierOk: (hex, now) => this.tierOk(hex, now),
      bondOf: (hex) => this.bondOf(hex),
      lastNow: () => this.lastNow,
    });
  }

  private get ledger(): TrustModel {
    return this.book.ledger;
  }

  private get keys(): readonly string[] {
    return this.book.keys;
  }

  /** The trust topic that evidence in `topic` counts in: its own, or the flattened one. */
  private tk(topic: string): string {
    return this.flat ?? topic;
  }

  private epochOf(ms: number): number {
    return ms / this.o.decayEpochMs;
  }

  // ------------------------------------------------------------------ inputs

  /** Topics followed and their declared tags (W is computed from them); rebuilds only on a change. */
  setTopics(specs: readonly TopicSpec[]): void {
    this.book.setTopics(this.flat === undefined ? specs : [{ name: this.flat, tags: [] }]);
  }

  /** A `declared` event from AgentCore: a co-signed receipt if its body carries one, rejected otherwise. */
  handleDeclared(now: number, ev: { readonly topic: string; readonly body: Body }): void {
    if (this.held.length && this.v.knownAgents() !== this.knownAtRetry) this.retryHeld(now);
    if (isComplaintBody(ev.body)) return this.handleComplaint(now, ev.body, ev.topic);
    let sr: SignedReceipt;
    try {
      sr = decodeReceipt(signedReceiptFromBody(ev.body));
    } catch (e) {
      if (e instanceof DecodeError) return this.reject('malformed', `receipt: ${e.message}`);
      throw e;
    }
    this.handleSigned(now, sr, ev.topic);
  }

  /** A decoded co-signed receipt published in `logTopic` (the log it travelled in). */
  handleSigned(now: number, sr: SignedReceipt, logTopic: string): void {
    const r = sr.receipt;
    this.lastNow = Math.max(this.lastNow, now);
    if (r.topic !== logTopic) return this.reject('wrong_topic', `receipt for ${r.topic} in the log of ${logTopic}`);
    if (r.ts > now + this.o.clockSkewMs) return this.reject('future', `receipt ts ${r.ts - now} ms ahead`);
    const rec = this.ratingOf(r.taskId, r.topic, r.requester, r.worker, r.outcome, r.ts);
    if (this.seen.has(rec.key)) {
      this.duplicates++;
      return;
    }
    const unknown = [r.requester, r.worker].map(toHex).filter((k) => !this.v.bindingOf(k));
    if (unknown.length) {
      if (this.held.length >= this.o.maxHeld)
        return this.reject('unknown_author', 'too many receipts waiting for a signer binding');
      this.held.push({ sr, topic: logTopic, at: now });
      for (const k of unknown)
        if (!this.asked.has(k)) {
          this.asked.add(k);
          this.wanted.push(k);
        }
      return;
    }
    const c = checkReceipt(this.v, sr);
    if (!c.ok) return this.reject(c.reason, `receipt: ${c.detail}`);
    this.accepted++;
    this.receiptsOf.set(rec.worker, (this.receiptsOf.get(rec.worker) ?? 0) + 1);
    this.record(rec, now);
  }

  /**
   * A requester's signed complaint (task/complaint.ts) in its task-topic log: a rating (receipt weight, never
   * slashing), once per (task, requester, worker) with the receipts. Not held: an unknown signer is unknown_author.
   */
  private handleComplaint(now: number, body: Body, logTopic: string): void {
    let d;
    try {
      d = decodeComplaint(complaintFromBody(body));
      const c = d.complaint;
      if (c.topic !== logTopic) return this.reject('wrong_topic', `complaint for ${c.topic} in the log of ${logTopic}`);
      if (c.ts > now + this.o.clockSkewMs) return this.reject('future', `complaint ts ${c.ts - now} ms ahead`);
      const rec = this.ratingOf(c.task, c.topic, c.requester, c.worker, c.outcome, c.ts);
      if (this.seen.has(rec.key)) return void this.duplicates++;
      const ok = checkComplaint(this.v, DEFAULT_LIMITS, d);
      if (!ok.ok) return this.reject(ok.reason, ok.detail);
      this.complaints++;
      this.record(rec, now);
    } catch (e) {
      if (e instanceof DecodeError) return this.reject('malformed', `complaint: ${e.message}`);
      throw e;
    }
  }

  /** A fraud proof the verifier checked (IdentityTiers.pollFraud): slashing (docs/architecture.md §6 T4, §7). */
  handleFraud(now: number, fp: IdentityFraudProof): void {
    this.lastNow = Math.max(this.lastNow, now);
    const p: ProofRec = { culprit: fp.author, topic: this.tk(fp.topic), kind: fp.kind, ts: this.epochOf(now) };
    this.slashings++;
    this.book.proof(p, now);
  }

  /** Drains the verifier's queue of verified fraud proofs into slashing; returns how many. */
  pollFraudFrom(now: number, verifier: Pick<IdentityTiers, 'pollFraud'> = this.v): number {
    let n = 0;
    for (let fp = verifier.pollFraud(); fp; fp = verifier.pollFraud()) {
      this.handleFraud(now, fp);
      n++;
    }
    return n;
  }

  /**
   * Once per epoch: stakes (binding bond) and tiers refreshed, held receipts retried, trust recomputed for every
   * topic in one `iterate` call (WASM kernel or TS reference), published entries counted. Returns the entries sent.
   */
  recompute(now: number, iterate: PowerIterate): number {
    this.lastNow = Math.max(this.lastNow, now);
    this.retryHeld(now);
    this.keys.forEach((hex, j) => {
      this.ledger.setTier(j, this.tierOk(hex, now));
      this.ledger.setStake(j, this.bondOf(hex));
    });
    const before = this.ledger.entriesSent;
    let iterations: number[] = [];
    let residuals: number[] = [];
    const spy: PowerIterate = (input) => {
      const out = iterate(input);
      iterations = out.iterations;
      residuals = out.residuals;
      return out;
    };
    this.ledger.recompute(this.epochOf(now), spy);
    const entries = this.ledger.entriesSent - before;
    for (const topic of this.evidenced) {
      const sent = this.ledger
        .sentEntries(topic)
        .slice(0, MAX_REPUTATION_ENTRIES)
        .map((e) => ({ agent: this.keys[e.j] as string, value: this.ledger.size * e.value }));
      if (!sent.length) continue;
      this.outbox.push({ topic, entries: sent });
      this.published += sent.length;
      this.publishedDecls++;
    }
    this.last = { epoch: this.ledger.epochsComputed, entries, iterations, residuals };
    return entries;
  }

  /**
   * Held receipts whose signers are now verified are ingested; those waiting longer than heldEpochs are
   * rejected as unknown_author. Runs at each recompute, and on a receipt once new bindings were verified.
   */
  retryHeld(now: number): void {
    this.knownAtRetry = this.v.knownAgents();
    const held = this.held;
    this.held = [];
    const horizon = this.o.heldEpochs * this.o.recomputeMs;
    for (const h of held) {
      const waiting = [h.sr.receipt.requester, h.sr.receipt.worker].some((k) => !this.v.bindingOf(toHex(k)));
      if (!waiting) this.handleSigned(now, h.sr, h.topic);
      else if (now - h.at >= horizon) this.reject('unknown_author', 'receipt signer binding never arrived');
      else this.held.push(h);
    }
  }

  // ------------------------------------------------------------------ outputs

  /** A reputation delta to publish in `topic`'s log (./gossip.ts reputationBody), after a recompute. */
  pollPublish(): { topic: string; entries: ReputationEntry[] } | undefined {
    return this.outbox.shift();
  }

  /** A peer's published reputation delta (a `declared` event tagged `reputation`). */
  handlePeerView(ev: { readonly author: string; readonly topic: string; readonly body: Body }): void {
    let entries: ReputationEntry[];
    try {
      entries = reputationFromBody(ev.body);
    } catch (e) {
      if (e instanceof DecodeError) return this.reject('malformed', `reputation: ${e.message}`);
      throw e;
    }
    if (!this.peers.handle(ev.author, ev.topic, entries)) this.reject('oversized', 'reputation: too many publishers');
  }

  /** An agent (hex) whose binding a held receipt needs: the node asks AgentCore.requestBinding for it. */
  pollBindingRequest(): string | undefined {
    return this.wanted.shift();
  }

  pollEvent(): CoreEvent | undefined {
    return this.events.shift();
  }

  /**
   * Relative topic trust of an agent as this node sees it: n × published trust × live gate × this node's conduct
   * factor of the agent (./conduct.ts; 0 if slashed or unknown). `now` (ms) dates the conduct factor.
   */
  trustOf(query: string, agentHex: string, now = this.lastNow): number {
    const topic = this.tk(query);
    const j = this.book.indexOf(agentHex);
    if (j === undefined || !this.book.hasTopic(topic)) return 0;
    return this.ledger.size * this.ledger.reputation(topic, j) * this.conduct.factor(agentHex, now);
  }

  /**
   * Candidates of AgentCore.discover re-ranked by semantic match × topic trust × conduct (docs/architecture.md §5). Before any
   * trust exists in the topic (no epoch computed, or nobody rated) the semantic order stands; `minTrust` filters.
   */
  rank(cands: readonly Candidate[], minTrust = 0, now = this.lastNow): RankedCandidate[] {
    const out = cands.map((c) => {
      const topic = this.tk(c.topic);
      const trust = this.trustOf(c.topic, c.author, now);
      const j = this.book.indexOf(c.author);
      const inTopic = j !== undefined && this.book.hasTopic(topic);
      const gate = inTopic ? this.ledger.gate(topic, j) : 1;
      // Rank by what selection weighs: trust × this node's certainty about the agent in the topic (model.ts) × conduct.
      const score = inTopic
        ? this.ledger.size * this.ledger.selectionScore(topic, j) * this.conduct.factor(c.author, now)
        : 0;
      return { ...c, trust, gate, rank: c.score * score };
    });
    const anyTrust = out.some((c) => c.rank > 0);
    return out
      .filter((c) => c.trust >= minTrust)
      .sort((a, b) => (anyTrust ? b.rank - a.rank : 0) || b.score - a.score || b.ts - a.ts);
  }

  /**
   * Provider selection for a query among ranked candidates (docs/architecture.md §7): `argmax` of the rank, or `proportional`
   * to it with exploration among candidates that passed the required tier. u1, u2 are uniforms in [0,1).
   */
  select(
    cands: readonly RankedCandidate[],
    mode: 'argmax' | 'proportional',
    u1: number,
    u2: number,
  ): RankedCandidate | undefined {
    if (cands.length === 0) return undefined;
    const scores = cands.map((c) => c.rank);
    const q =
      mode === 'argmax'
        ? selectArgmax(scores)
        : selectProportional(
            scores,
            this.o.explore,
            u1,
            u2,
            cands.map((c) => this.tierOkKnown(c.author)),
          );
    return cands[q];
  }

  /**
   * The same proportional rule over agents (hex) by their selection score in `topic` (trust × certainty × conduct,
   * as `rank` weighs them without a semantic score): the index chosen. u1, u2 are uniforms in [0,1).
   */
  pick(query: string, agents: readonly string[], u1: number, u2: number, now = this.lastNow): number {
    const topic = this.tk(query);
    const scores = agents.map((a) => {
      const j = this.book.indexOf(a);
      if (j === undefined || !this.book.hasTopic(topic)) return 0;
      return this.ledger.size * this.ledger.selectionScore(topic, j) * this.conduct.factor(a, now);
    });
    return selectProportional(
      scores,
      this.o.explore,
      u1,
      u2,
      agents.map((a) => this.tierOkKnown(a)),
    );
  }

  /** Whether this node's ledger flags the agent (model.ts `flagged`: slashed or gated out); unknown agents are not. */
  flagged(agentHex: string): boolean {
    const j = this.book.indexOf(agentHex);
    return j !== undefined && this.ledger.flagged(j);
  }

  /** Every identity's standing in one topic, best first (`trust` includes this node's conduct factor, also shown). */
  view(query: string, now = this.lastNow): TrustEntry[] {
    const topic = this.tk(query);
    if (!this.book.hasTopic(topic)) return [];
    return this.keys
      .map((agent, j) => {
        const st = this.ledger.stakeOf(j);
        const conduct = this.conduct.factor(agent, now);
        return {
          agent,
          trust: this.ledger.size * this.ledger.reputation(topic, j) * conduct,
          computed: this.ledger.size * this.ledger.trust(topic, j),
          gate: this.ledger.gate(topic, j),
          conduct,
          tierOk: this.ledger.tierOk(j),
          stake: st.unfrozen,
          frozen: st.frozen,
          burnt: st.burnt,
          slashed: this.ledger.isSlashed(j),
          flagged: this.ledger.flagged(j),
          receipts: this.receiptsOf.get(agent) ?? 0,
          ...((p) => ({ peers: p.peers, peerTrust: p.mean }))(this.peers.about(topic, agent)),
        };
      })
      .sort((a, b) => b.trust - a.trust || (a.agent < b.agent ? -1 : 1));
  }

  status(now = this.lastNow) {
    const epochs = this.ledger.epochsComputed;
    return {
      topics: this.book.topics.map((t) => t.name),
      agents: this.ledger.size,
      receipts: { accepted: this.accepted, duplicates: this.duplicates, held: this.held.length },
      rejected: this.counters.rejected(),
      slashed: this.keys.filter((_, j) => this.ledger.isSlashed(j)).length,
      fraudProofs: this.slashings,
      complaints: this.complaints,
      epochs,
      entriesSent: this.ledger.entriesSent,
      entriesPerEpoch: epochs ? this.ledger.entriesSent / epochs : 0,
      exchange: {
        published: this.published,
        declarations: this.publishedDecls,
        received: this.peers.received,
        receivedDeclarations: this.peers.declarations,
        publishers: this.peers.publishers,
      },
      last: this.last ?? null,
      conduct: this.conduct.status(now),
    };
  }

  // ------------------------------------------------------------------ helpers

  /**
   * The ledger's record of a rating (a receipt or a complaint) and its once-only key (task, requester, worker), the
   * agent keys and topic as one string object each (base/intern.ts).
   */
  private ratingOf(
    task: Uint8Array,
    topic: string,
    requester: Uint8Array,
    worker: Uint8Array,
    outcome: number,
    ts: number,
  ): ReceiptRec {
    const req = this.names.of(toHex(requester));
    const wk = this.names.of(toHex(worker));
    const t = this.names.of(this.tk(topic));
    return { topic: t, requester: req, worker: wk, outcome, ts: this.epochOf(ts), key: `${toHex(task)}/${req}/${wk}` };
  }

  /** A checked rating, counted once: its topic has evidence, and the ledger records it. */
  private record(rec: ReceiptRec, now: number): void {
    this.seen.add(rec.key);
    this.evidenced.add(rec.topic);
    this.book.ensureTopic(rec.topic); // before recording: a rebuild replays what is recorded
    this.book.receipt(rec, now);
  }

  private tierOk(hex: string, now: number): boolean {
    return this.v.tierOf(hex, now) >= this.o.requiredTier;
  }

  private tierOkKnown(hex: string): boolean {
    const j = this.book.indexOf(hex);
    return j !== undefined && this.ledger.tierOk(j);
  }

  private bondOf(hex: string): number {
    return this.v.bindingOf(hex)?.bond ?? 0;
  }

  private reject(reason: RejectReason, detail: string): void {
    this.counters.reject(reason);
    this.events.push({ type: 'rejected', reason, channel: 'body', detail });
  }
}
