// NodeCore: one node's protocol, sans-I/O (docs/conventions.md §2, docs/architecture.md §9). It owns the AgentCore
// (logs, gossip, identity, discovery), the flood gate (gossip/gate.ts), MG-EigenTrust (trust-part.ts) and the task
// engine (task-part.ts, task/engine.ts), and is the one place a received batch goes through, in this order:
//
//   handleMessages(now, batch)
//     1. order        by channel priority (priority.ts: fork proofs and revocations first)
//     2. decode       each message once into a parsed record (codec/parsed.ts); oversized ones are not read
//     3. verify       the entry signatures of authors with a known binding, in one verifyBatch call of the crypto
//                     port (identity/batch-signatures.ts); the answers are kept by entry object for this batch only
//     4. gate         per-peer budgets on the parsed form and those answers; a refused message is `rate_limited`
//     5. receive      AgentCore.handleParsed with the parsed message and the answers (receiver.ts)
//
// After each input the agent core's events are routed: a task message to the task engine (in the same store
// transaction as the batch that brought it), every other event to trust and then out; the task engine's receipts
// to trust. Outputs are polled here: pollTransmit (the agent core's queue, which the task engine and trust also
// write through), pollEvent, pollTaskEvent (the task engine's events), pollTimeout (the earliest deadline of the
// agent core, the task engine and the trust recompute); handleTimeout at the deadline. A local call made on a
// part directly (an announce, a task post) is routed at the next poll with the time of `advance`.
// The runtime's Driver (runtime/driver.ts) and the simulator only move bytes, time and store transactions.

import type { AgentCore } from '../agent.js';
import { toHex } from '../base/bytes.js';
import { entriesOf, parseMessage, type ParsedMessage } from '../codec/parsed.js';
import { DEFAULT_FLOOD_LIMITS, FloodGate, type FloodLimits } from '../gossip/gate.js';
import { BatchSignatures } from '../identity/batch-signatures.js';
import type { SigVerifier } from '../base/ports.js';
import { byPriority } from '../priority.js';
import type { Conduct } from '../trust/conduct.js';
import type { NodeTrust, RankedCandidate, TrustEntry } from '../trust/node-trust.js';
import type { TaskEvent } from '../task/engine.js';
import { TaskEngine } from '../task/task-engine.js';
import { taskHost, type TaskPartOptions } from './task-part.js';
import { TrustPart, type TrustPartOptions } from './trust-part.js';
import type { Candidate, Channel, CoreEvent, Outgoing } from '../types.js';

/** One message as a transport delivered it. */
export interface Received {
  readonly channel: Channel;
  readonly key: string;
  readonly bytes: Uint8Array;
}

export interface NodeCoreOptions {
  readonly agent: AgentCore;
  /** The crypto port's verifier: the batch's entry signatures go through its `verifyBatch`. */
  readonly verifier: SigVerifier;
  /** Per-peer flood budgets (default DEFAULT_FLOOD_LIMITS); `false` runs without the gate (a baseline). */
  readonly flood?: FloodLimits | false;
  /** This node's conduct record of authors, fed by the gate, read by trust (trust/conduct.ts). */
  readonly conduct?: Conduct;
  /** MG-EigenTrust in this node (trust-part.ts); without it no trust is kept (tests, the simulator). */
  readonly trust?: TrustPartOptions;
  /**
   * Step 2's decoder (default parseMessage). A simulator running many nodes in one process passes one that returns
   * the same record for the same message object (src/sim/net/intern.ts): a parsed record is a pure function of the
   * message and the limits, and every check after it is still each node's own.
   */
  readonly parse?: typeof parseMessage;
}

export class NodeCore {
  readonly agent: AgentCore;
  /** The flood gate, unless turned off. */
  readonly gate: FloodGate | undefined;
  private readonly verifier: SigVerifier;
  private readonly parse: typeof parseMessage;
  /** MG-EigenTrust, when configured. */
  readonly trustPart: TrustPart | undefined;
  /** Signature batches verified for received messages, and the signatures in them (status). */
  readonly sigs = { batches: 0, verified: 0 };
  /** The task engine, once `useTasks` built it. */
  tasks: TaskEngine | undefined;
  /** Routed events waiting to be polled: the agent core's and trust's, and the task engine's. */
  private readonly events: CoreEvent[] = [];
  private readonly taskEvents: TaskEvent[] = [];
  /** The `now` of the latest input (events are handed to trust at poll time). */
  private now = 0;

  constructor(o: NodeCoreOptions) {
    this.agent = o.agent;
    this.verifier = o.verifier;
    this.parse = o.parse ?? parseMessage;
    const a = o.agent;
    this.gate =
      o.flood === false
        ? undefined
        : new FloodGate(
            {
              knows: (hex) => a.verifier.bindingOf(hex) !== undefined,
              logHead: (author, topic) => a.logHead(author, topic),
              requestRefusal: (now, d) => a.requestRefusal(now, d),
            },
            o.flood ?? DEFAULT_FLOOD_LIMITS,
            o.conduct,
          );
    this.trustPart = o.trust ? new TrustPart(a, o.trust, o.conduct) : undefined;
  }

  /**
   * Builds the task engine on the runtime's ports (task store, credit ledger) and policy; its host is this core
   * (task-part.ts). Once per node, before or after start.
   */
  useTasks(o: TaskPartOptions): TaskEngine {
    if (this.tasks) throw new RangeError('NodeCore.useTasks: the task engine exists');
    const { logStore, invitees, ...engine } = o;
    const host = taskHost(
      this.agent,
      logStore,
      {
        now: () => this.now,
        publishBody: (now, hash, bytes, expires) => this.publishBody(now, hash, bytes, expires),
        reportFraud: (now, key, proof) => this.reportFraud(now, key, proof),
      },
      invitees,
    );
    this.tasks = new TaskEngine({ ...engine, host, verifier: this.agent.verifier, limits: this.agent.limits });
    return this.tasks;
  }

  /** The time of a local call about to be made on a part directly (the driver's clock). */
  advance(now: number): void {
    this.now = now;
  }

  start(now: number): void {
    this.now = now;
    this.agent.start(now);
    this.trustPart?.start(now);
  }

  // ------------------------------------------------------------------ inputs

  /** A batch of received messages (the header's order of steps). A peer's bad message never throws. */
  handleMessages(now: number, batch: readonly Received[]): void {
    this.now = now;
    const limits = this.agent.limits;
    const hash = this.agent.entryHash;
    const parsed = byPriority(batch).map((m) => this.parse(m.channel, m.key, m.bytes, limits, hash));
    const sigs = this.verifyBatch(parsed);
    const admitted = this.gate ? parsed.filter((p) => this.admit(now, p, sigs)) : parsed;
    for (const p of admitted) this.agent.handleParsed(now, p, sigs);
    this.route();
  }

  /** One received message: a batch of one. */
  handleMessage(now: number, channel: Channel, key: string, bytes: Uint8Array): void {
    this.handleMessages(now, [{ channel, key, bytes }]);
  }

  handleTimeout(now: number): void {
    this.now = now;
    this.agent.handleTimeout(now);
    this.tasks?.handleTimeout(now);
    if (this.trustPart) this.events.push(...this.trustPart.handleTimeout(now));
    this.route();
  }

  /** A co-signed receipt of a task this node was a party to (hex, from its task engine). */
  ownReceipt(now: number, hex: string): void {
    this.now = now;
    if (this.trustPart) this.events.push(...this.trustPart.ownReceipt(now, hex));
  }

  /** Trust recomputed and published now rather than at its deadline; returns the entries published. */
  recomputeTrust(now: number): number {
    this.now = now;
    return this.trustPart?.recompute(now) ?? 0;
  }

  /** Candidates re-ranked by semantic match × topic trust × conduct (as they are without trust). */
  rank(cands: readonly Candidate[], minTrust: number | undefined, now: number): RankedCandidate[] {
    if (this.trustPart) return this.trustPart.trust.rank(cands, minTrust, now);
    return cands.map((c) => ({ ...c, trust: 1, gate: 1, rank: c.score }));
  }

  /**
   * A transport's hint that whoever publishes on (channel, key) stopped or started answering (the UDP mesh has no
   * Will): a neighbour's birth path marks that agent unreachable or reachable again, which keeps it out of
   * discover(). Any other path, and our own birth, tell nothing.
   */
  peerReachable(channel: Channel, key: string, reachable: boolean): void {
    if (channel === 'birth' && key !== this.agent.agentHex) this.agent.liveness.reachable(key, reachable);
  }

  /** A message the transport dropped unread for its size: counted as one the core refuses as `oversized`. */
  droppedOversized(channel: Channel, bytes: number): void {
    this.agent.refuseOversized(channel, bytes);
  }

  /** An operator-signed revocation from the local API: checked, then published on the revocation channel. */
  publishRevocation(now: number, bytes: Uint8Array): ReturnType<AgentCore['revocations']['publish']> {
    return this.agent.revocations.publish(now, bytes);
  }

  /** A task's body (an artefact, a specification) this node stores: retained on the body channel until `expires`. */
  publishBody(now: number, hash: Uint8Array, bytes: Uint8Array, expires: number): void {
    this.agent.publishRetained('body', toHex(hash), bytes, Math.max(1000, expires - now));
  }

  /**
   * A fraud proof this node's task engine built (a double award it received, identity/dispute.ts; an artefact that
   * failed its task's acceptance check, identity/bad-delivery.ts): checked by this node's own receive path first
   * (trust slashes on the `dispute` or `bad_delivery` event), then retained on the fraud channel.
   */
  reportFraud(now: number, key: string, proof: Uint8Array): void {
    this.handleMessage(now, 'fraud', key, proof);
    this.agent.publishRetained('fraud', key, proof);
  }

  // ------------------------------------------------------------------ views

  /** What this node knows of an agent's identity now: a binding held, the tier verified, a fork quarantine. */
  identityOf(agentHex: string, now: number): { known: boolean; tier: number; quarantined: boolean } {
    const v = this.agent.verifier;
    return { known: !!v.bindingOf(agentHex), tier: v.tierOf(agentHex, now), quarantined: v.isQuarantined(agentHex) };
  }

  /** The binding bytes held for an agent (an A2A card carries them). */
  bindingOf(agentHex: string): Uint8Array | undefined {
    return this.agent.verifier.bindingBytesOf(agentHex);
  }

  /** An agent's liveness: births, Wills and the transport's hints (gossip/liveness.ts). */
  livenessOf(agentHex: string): ReturnType<AgentCore['liveness']['state']> {
    return this.agent.liveness.state(agentHex);
  }

  /** The peers the flood gate refused most (gossip/gate.ts `top`); undefined when the gate is off. */
  rateLimited(): ReturnType<FloodGate['top']> | undefined {
    return this.gate?.top();
  }

  /**
   * Trust's state (trust/node-trust.ts `status`, at `now` or its latest time), its rejections by reason, and with a
   * topic every known agent's standing there; undefined when this node keeps no trust.
   */
  trustView(
    now?: number,
    topic?: string,
  ): { status: ReturnType<NodeTrust['status']>; rejected: Record<string, number>; entries?: TrustEntry[] } | undefined {
    const t = this.trustPart?.trust;
    if (!t) return undefined;
    const base = { status: t.status(now), rejected: t.counters.rejected(true) };
    return topic === undefined ? base : { ...base, entries: t.view(topic, now) };
  }

  /** Occupancy of the cache of entry ids that passed T1 (identity/tiers.ts). */
  t0Occupancy(): { size: number; capacity: number } {
    return this.agent.verifier.t0Occupancy();
  }

  // ------------------------------------------------------------------ outputs

  pollTransmit(): Outgoing | undefined {
    return this.agent.pollTransmit();
  }

  pollEvent(): CoreEvent | undefined {
    this.route();
    return this.events.shift();
  }

  /** The task engine's next event: a state change, a rejection, a co-signed receipt. */
  pollTaskEvent(): TaskEvent | undefined {
    this.route();
    return this.taskEvents.shift();
  }

  pollTimeout(): number | undefined {
    const ds = [this.agent.pollTimeout(), this.tasks?.pollTimeout(), this.trustPart?.nextDeadline()];
    const due = ds.filter((d): d is number => d !== undefined);
    return due.length ? Math.min(...due) : undefined;
  }

  /**
   * The store transaction around the inputs since the last poll rolled back (a received batch, a timeout, a local
   * call): nothing of them goes out (their messages, a task engine's bid among them, and their events), and the task
   * engine re-reads what is stored. A retried batch then produces its output once.
   */
  rolledBack(): void {
    this.agent.discardOutput();
    this.events.length = 0;
    this.tasks?.reload();
    this.taskEvents.length = 0;
  }

  /** The same as `rolledBack`, for a grouped local call whose transaction failed. */
  discardOutput(): void {
    this.rolledBack();
  }

  /**
   * The store takes writes again after refusing them: whatever was dropped meanwhile comes back by gap repair from
   * the retained heads of the followed topics, read again.
   */
  storeRecovered(): void {
    this.agent.rereadFrontiers();
  }

  // ------------------------------------------------------------------ steps

  /**
   * Routes the events produced so far: a task message to the task engine (not an event of the node), the others
   * to trust and out with trust's rejections after them; the task engine's events out, receipts to trust first.
   */
  private route(): void {
    const { trustPart, tasks } = this;
    for (let e = this.agent.pollEvent(); e; e = this.agent.pollEvent()) {
      if (e.type === 'task') {
        tasks?.handleMessage(this.now, e.bytes);
        continue;
      }
      this.events.push(e);
      if (trustPart) this.events.push(...trustPart.onEvent(this.now, e));
    }
    for (let t = tasks?.pollEvent(); t; t = tasks?.pollEvent()) {
      this.taskEvents.push(t);
      if (t.type === 'receipt' && trustPart) this.events.push(...trustPart.ownReceipt(this.now, t.receipt));
    }
  }

  /** Step 3: the entries of authors whose binding is held, verified in one batch call. */
  private verifyBatch(parsed: readonly ParsedMessage[]): BatchSignatures {
    const tiers = this.agent.verifier;
    const sigs = new BatchSignatures(this.verifier, (idHex) => tiers.seenBefore(idHex));
    const known = parsed
      .flatMap(entriesOf)
      .filter((se) => this.agent.verifier.bindingOf(toHex(se.entry.author)) !== undefined);
    const n = sigs.verifyAll(known);
    if (n > 0) {
      this.sigs.batches++;
      this.sigs.verified += n;
    }
    return sigs;
  }

  /** Step 4: true to admit; a refusal is counted and emitted by the agent core as `rate_limited`. */
  private admit(now: number, p: ParsedMessage, sigs: BatchSignatures): boolean {
    const who = this.gate!.admit(now, p, sigs);
    if (who === undefined) return true;
    this.agent.refuseRateLimited(p.channel, who);
    return false;
  }
}
