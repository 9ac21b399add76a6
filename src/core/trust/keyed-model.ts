// KeyedTrustModel: the bookkeeping around a TrustModel in a running node (docs/architecture.md §7; docs/conventions.md §3), sans-I/O. It keeps
// the agent-key ↔ NodeIndex map and the verified inputs (receipts, fraud proofs) in their order, and applies them.
// The ledger has fixed topics and capacity; when a receipt names a new topic or the identities outgrow it, a new
// ledger is built (capacity at least doubled) and the inputs are replayed (the next recompute starts from uniform).
// What is verified is NodeTrust's decision (./node-trust.ts); this file only records it.

import { TrustModel } from './model.js';
import type { TrustFeatures, TrustParams } from './params.js';
import type { FraudProof, NodeIndex, TopicSpec } from './types.js';

/** A verified receipt or complaint: agents by key hex, `ts` in ledger epochs (fractional), `key` its dedup key. */
export interface ReceiptRec {
  readonly topic: string;
  readonly requester: string;
  readonly worker: string;
  readonly outcome: number;
  readonly ts: number;
  readonly key: string;
}
/** A verified fraud proof against `culprit` (key hex), `ts` in ledger epochs. */
export interface ProofRec {
  readonly culprit: string;
  readonly topic: string;
  readonly kind: FraudProof['kind'];
  readonly ts: number;
}
type Rec = { kind: 'receipt'; r: ReceiptRec } | { kind: 'proof'; p: ProofRec };

export interface KeyedLedgerOptions {
  /** Identities the first ledger holds. */
  readonly capacity: number;
  readonly features: TrustFeatures;
  readonly params: TrustParams;
  /** Verified inputs kept for a rebuild (oldest dropped beyond it). */
  readonly maxReplay: number;
  /** Whether an agent (hex) reaches the required tier at `now` (ms): v_j of a newly registered identity. */
  tierOk(hex: string, now: number): boolean;
  /** An agent's stake (its binding's bond; 0 if unknown). */
  bondOf(hex: string): number;
  /** The latest `now` seen (ms): tiers of identities re-registered by a rebuild are read at it. */
  lastNow(): number;
}

const defaultTopic = (): TopicSpec => ({ name: 'default', tags: [] });

export class KeyedTrustModel {
  private readonly o: KeyedLedgerOptions;
  private specs: TopicSpec[] = [];
  private current: TrustModel;
  private readonly index = new Map<string, NodeIndex>();
  private agents: string[] = [];
  private readonly replay: Rec[] = [];
  /** Identities the current ledger holds (0 until the first rebuild: the option's value). */
  private capacity = 0;

  constructor(o: KeyedLedgerOptions) {
    this.o = o;
    this.current = this.newLedger([defaultTopic()], o.capacity);
  }

  /** The current ledger (replaced by a rebuild: do not keep it). */
  get ledger(): TrustModel {
    return this.current;
  }

  /** The current ledger's topics. */
  get topics(): readonly TopicSpec[] {
    return this.specs;
  }

  /** Agent key hex by NodeIndex of the current ledger. */
  get keys(): readonly string[] {
    return this.agents;
  }

  indexOf(hex: string): NodeIndex | undefined {
    return this.index.get(hex);
  }

  hasTopic(topic: string): boolean {
    return this.specs.some((t) => t.name === topic);
  }

  /** Topics followed and their declared tags, merged into the known ones; rebuilds only on a change. */
  setTopics(specs: readonly TopicSpec[]): void {
    const norm = (xs: readonly TopicSpec[]) => JSON.stringify([...xs].map((t) => [t.name, [...t.tags].sort()]).sort());
    const known = this.specs.filter((t) => t.name !== 'default' || this.replayUses('default'));
    const merged = new Map(known.map((t) => [t.name, t]));
    for (const t of specs) merged.set(t.name, { name: t.name, tags: [...t.tags] });
    const next = [...merged.values()];
    if (norm(next) !== norm(this.specs)) this.rebuild(next, this.current.size);
  }

  /** Makes room for a topic a verified input names (before it is recorded: a rebuild replays what is recorded). */
  ensureTopic(topic: string): void {
    if (this.hasTopic(topic)) return;
    const keep = this.specs.filter((t) => t.name !== 'default' || this.replayUses('default'));
    this.rebuild([...keep, { name: topic, tags: [] }], this.current.size);
  }

  /** Records a verified receipt and feeds it to the ledger (s_ij, live gate). */
  receipt(r: ReceiptRec, now: number): void {
    this.record({ kind: 'receipt', r });
    const requester = this.nodeOf(r.requester, now);
    const worker = this.nodeOf(r.worker, now);
    this.current.handleReceipt({ taskId: r.key, topic: r.topic, requester, worker, outcome: r.outcome, ts: r.ts });
  }

  /** Records a verified fraud proof and feeds it to the ledger (burn, freeze, gate 0). */
  proof(p: ProofRec, now: number): void {
    this.record({ kind: 'proof', p });
    const fp: FraudProof = { culprit: this.nodeOf(p.culprit, now), topic: p.topic, kind: p.kind, ts: p.ts };
    this.current.handleFraudProof(fp);
  }

  private newLedger(topics: TopicSpec[], capacity: number): TrustModel {
    this.specs = topics;
    return new TrustModel(topics, capacity, this.o.features, this.o.params);
  }

  /** NodeIndex of an agent, registering it (stake = bond, tier) and growing the ledger when full. */
  private nodeOf(hex: string, now: number): NodeIndex {
    const j = this.index.get(hex);
    if (j !== undefined) return j;
    if (this.current.size >= this.capacityOf()) this.rebuild(this.specs, this.current.size * 2);
    const k = this.current.addNode(this.o.bondOf(hex), this.o.tierOk(hex, now));
    this.index.set(hex, k);
    this.agents.push(hex);
    return k;
  }

  private capacityOf(): number {
    return this.capacity || this.o.capacity;
  }

  private replayUses(topic: string): boolean {
    return this.replay.some((x) => (x.kind === 'receipt' ? x.r.topic : x.p.topic) === topic);
  }

  private record(x: Rec): void {
    this.replay.push(x);
    if (this.replay.length > this.o.maxReplay) this.replay.shift();
  }

  /** A new ledger with `topics` and room for `size` identities (at least double the old), inputs replayed. */
  private rebuild(topics: TopicSpec[], size: number): void {
    const cap = Math.max(this.o.capacity, this.capacityOf(), 2 * Math.max(1, size));
    this.capacity = cap;
    this.current = this.newLedger(topics.length ? topics : [defaultTopic()], cap);
    const keys = this.agents;
    this.index.clear();
    this.agents = [];
    const now = this.o.lastNow();
    for (const hex of keys) this.nodeOf(hex, now);
    for (const x of this.replay) {
      if (x.kind === 'receipt' && this.hasTopic(x.r.topic)) {
        this.current.handleReceipt({
          taskId: x.r.key,
          topic: x.r.topic,
          requester: this.nodeOf(x.r.requester, now),
          worker: this.nodeOf(x.r.worker, now),
          outcome: x.r.outcome,
          ts: x.r.ts,
        });
      } else if (x.kind === 'proof')
        this.current.handleFraudProof({
          culprit: this.nodeOf(x.p.culprit, now),
          topic: x.p.topic,
          kind: x.p.kind,
          ts: x.p.ts,
        });
    }
  }
}
