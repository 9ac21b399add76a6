// AgentCore: the protocol adaptation layer (docs/architecture.md §1-2), sans-I/O (docs/conventions.md §2).
//
// Inputs carry `now` (ms since the Unix epoch, from the driver's or the simulator's clock):
//   handleMessage(now, channel, key, bytes)   a message from the transport (decoded here)
//   handleParsed(now, parsed, sigs)           one decoded by the node core (core/node/node-core.ts)
//   handleTimeout(now)                        the deadline from pollTimeout() has passed
//   start / announce / follow / discover      the local agent's PAL calls
// Outputs are polled: pollTransmit() (publish/subscribe), pollEvent() (discoveries, rejections),
// pollTimeout() (next deadline). A peer's bad message never throws: it becomes a RejectReason,
// counted in status() and emitted as an event.
//
// The sides it wires together: OwnLog (own-log.ts) writes, Receiver (receiver.ts, where the order of
// receiving an entry is written) verifies and stores what arrives, Finder (finder.ts) matches interests.

import { equalBytes, fromHex, toHex } from './base/bytes.js';
import { DEFAULT_LIMITS, TOPIC_RE, type Limits } from './codec/limits.js';
import type { Direct } from './codec/messages.js';
import { parseMessage, type EntryHash, type ParsedMessage } from './codec/parsed.js';
import type { BatchSignatures } from './identity/batch-signatures.js';
import { enqueueByPriority } from './priority.js';
import { DirectLink } from './gossip/direct.js';
import { ForkProofs } from './gossip/fork-proofs.js';
import { FraudDesk } from './gossip/fraud-desk.js';
import { Heartbeat } from './gossip/heartbeat.js';
import { Revocations } from './gossip/revocations.js';
import type { AgentOptions } from './options.js';
import { checkContinuation } from './identity/continuation.js';
import { DecodeError, decodeReason, REJECT_REASONS, type RejectReason } from './base/errors.js';
import { BirthWatch } from './gossip/birth-watch.js';
import { Liveness } from './gossip/liveness.js';
import { IdentityTiers } from './identity/tiers.js';
import type { LogStore, StoredEntry } from './log/store.js';
import type { CryptoPort } from './base/ports.js';
import type {
  Candidate,
  Channel,
  CoreEvent,
  Declaration,
  DiscoverQuery,
  LogHeadInfo,
  Outgoing,
  OwnDeclaration,
  PeerInfo,
} from './types.js';
import { Counters } from './base/counters.js';
import { coreStatus, logHeadViews, ownDeclarations, peerViews } from './views.js';
import { OwnLog } from './own-log.js';
import { Finder } from './finder.js';
import { Receiver } from './receiver.js';

export type { AgentOptions } from './options.js';

/** Refused retained messages remembered (counted once each); the oldest is forgotten beyond it. */
const REFUSED_RETAINED_MAX = 4096;
/**
 * Refusals that may not hold when the same bytes are read again: the author's binding may arrive later,
 * a timestamp ahead may become current. Every other reason is a property of the bytes (and their path).
 */
const TRANSIENT: ReadonlySet<RejectReason> = new Set(['unknown_author', 'future', 'rate_limited']);

/** An agent key as hex (what the binding cache is asked for; anything else is no stored agent). */
const AGENT_HEX = /^[0-9a-f]{64}$/;

export class AgentCore {
  readonly agentKey: Uint8Array;
  readonly agentHex: string;
  readonly limits: Limits;
  readonly verifier: IdentityTiers;
  readonly counters = new Counters(REJECT_REASONS);
  private readonly c: CryptoPort;
  private readonly store: LogStore;
  private readonly bindingBytes: Uint8Array;
  private readonly epoch: number;
  /** The writing side: our logs, births and frontiers (own-log.ts). */
  private readonly own: OwnLog;
  private readonly out: Outgoing[] = [];
  private readonly events: CoreEvent[] = [];
  private readonly followed = new Set<string>();
  /** The interest side: sketch match, body pulls, discoveries (finder.ts). */
  private readonly finder: Finder;
  /** The receiving side: verification, log rules, holds for bindings and gaps, last seen (receiver.ts). */
  private readonly rx: Receiver;
  readonly liveness = new Liveness(); // births, deaths and the transport's reachability hints (`reachable`)
  private readonly births: BirthWatch; // whose births and deaths we listen to (gossip/birth-watch.ts)
  private readonly heartbeat: Heartbeat;
  /** The latest `now` an input brought (pollTimeout moves a heartbeat round that gets work after idle ones). */
  private lastNow = 0;
  private readonly forks: ForkProofs;
  /** Fork and dispute proofs on the fraud channel (gossip/fraud-desk.ts). */
  private readonly fraud: FraudDesk;
  readonly revocations: Revocations; // gossip/revocations.ts; `publish` is the local API's (POST /revocations)
  private readonly direct: DirectLink;
  private readonly continuation: Uint8Array | undefined;
  private started = false;
  /** Ids of our own stored entries whose body no longer decodes, reported once (declarations()). */
  private readonly undecodable = new Set<string>();
  /** Topics of our own logs whose frontier path we listen to (guardOwn). */
  private readonly guarded = new Set<string>();
  /** Retained births and frontiers refused for good, by retainedId (insertion order: oldest first). */
  private readonly refusedRetained = new Set<string>();
  /** The reason of the last rejection (handleMessage: was the message refused, and why). */
  private lastReject: RejectReason | undefined;
  /** The entry id's hash (SHA-256 of the COSE bytes), computed once per received entry when it is decoded. */
  readonly entryHash: EntryHash;

  constructor(o: AgentOptions) {
    this.c = o.crypto;
    this.entryHash = (b) => o.crypto.sha256(b);
    this.store = o.store;
    this.limits = o.limits ?? DEFAULT_LIMITS;
    this.epoch = o.epoch ?? 0;
    const timeout = o.pullTimeoutMs ?? 2000;
    const attempts = o.maxAttempts ?? 4;
    this.births = new BirthWatch((x) => this.emit(x), 2 * attempts * timeout); // gap repair, then the body pull
    this.agentKey = o.crypto.signer.publicKey(o.agentSecret);
    this.agentHex = toHex(this.agentKey);
    this.bindingBytes = o.binding;
    const source = {
      bindingOf: (hex: string) => (AGENT_HEX.test(hex) ? this.store.binding(fromHex(hex)) : undefined),
      bindingWithHash: (h: Uint8Array) => this.store.findBinding((b) => equalBytes(this.c.sha256(b), h)),
      bindingsOfBaid: (baid: Uint8Array) => this.store.bindingsOfBaid(baid),
      ...(o.vouchBinding ? { vouch: o.vouchBinding } : {}),
    };
    this.verifier = new IdentityTiers(
      o.crypto,
      this.limits,
      o.t0CacheSize ?? 4096,
      o.operators,
      o.bindingDecoder,
      source,
      o.bindingCacheSize,
    );
    this.verifier.setOwn(this.agentHex);
    this.heartbeat = new Heartbeat(o);
    this.direct = new DirectLink({
      crypto: o.crypto,
      secret: o.agentSecret,
      agentKey: this.agentKey,
      limits: this.limits,
      counters: this.counters,
      clockSkewMs: o.clockSkewMs ?? 5 * 60_000,
      emit: (x) => this.emit(x),
      reject: (r, d) => this.reject(r, 'direct', d),
    });
    this.forks = new ForkProofs(
      o.crypto,
      this.limits,
      this.verifier,
      this.agentKey,
      this.heartbeat.intervalMs,
      this.heartbeat.repeats,
    );
    this.fraud = new FraudDesk({
      forks: this.forks,
      verifier: this.verifier,
      emit: (x) => this.emit(x),
      event: (e) => this.events.push(e),
      reject: (r, ch, d) => this.reject(r, ch, d),
    });
    this.revocations = new Revocations({
      crypto: o.crypto,
      verifier: this.verifier,
      self: this.agentKey,
      heartbeatMs: this.heartbeat.intervalMs,
      repeats: this.heartbeat.repeats,
      emit: (x) => this.emit(x),
      event: (e) => this.events.push(e),
      reject: (r, ch, d) => this.reject(r, ch, d),
    });
    this.continuation = o.continuation;
    this.own = new OwnLog({
      crypto: o.crypto,
      store: o.store,
      secret: o.agentSecret,
      agentKey: this.agentKey,
      binding: o.binding,
      epoch: this.epoch,
      limits: this.limits,
      counters: this.counters,
      emit: (x) => this.emit(x),
      frontierRepeats: this.heartbeat.repeats,
      restoreEveryMs: this.heartbeat.intervalMs ?? 1000,
      ...(o.frontierEveryMs !== undefined && this.heartbeat.intervalMs ? { frontierEveryMs: o.frontierEveryMs } : {}),
      ...(o.continuation ? { continuation: o.continuation } : {}),
    });
    this.finder = new Finder(
      {
        crypto: o.crypto,
        store: o.store,
        limits: this.limits,
        counters: this.counters,
        agentKey: this.agentKey,
        agentHex: this.agentHex,
        emit: (x) => this.emit(x),
        event: (e) => this.events.push(e),
        reject: (r, ch, d) => this.reject(r, ch, d),
        askBody: (now, author, bodyHash) => this.direct.askBody(now, author, bodyHash),
        follow: (t) => this.follow(t),
        candidate: (a) => this.births.candidate(a),
      },
      timeout,
      attempts,
    );
    this.rx = new Receiver(
      {
        crypto: o.crypto,
        store: o.store,
        limits: this.limits,
        verifier: this.verifier,
        counters: this.counters,
        agentHex: this.agentHex,
        followed: this.followed,
        clockSkewMs: o.clockSkewMs ?? 5 * 60_000,
        liveness: this.liveness,
        births: this.births,
        direct: this.direct,
        fraud: this.fraud,
        finder: this.finder,
        event: (e) => this.events.push(e),
        reject: (r, ch, d) => this.reject(r, ch, d),
      },
      timeout,
      attempts,
      o.heldPerLog ?? 64,
      o.maxHeld ?? 4096,
      o.heldMaxAgeMs ?? timeout * attempts * (attempts + 1),
    );
  }

  // ------------------------------------------------------------------ lifecycle and PAL calls

  /** Verifies our own binding, restores verified peers and own interests, subscribes, sends birth. */
  start(now: number): void {
    if (this.started) throw new RangeError('AgentCore.start: already started');
    const own = this.verifier.acceptBinding(this.bindingBytes, now);
    if (!own.ok) throw new RangeError(`AgentCore.start: own binding fails T2: ${own.detail}`);
    if (toHex(own.binding!.agentKey) !== this.agentHex)
      throw new RangeError('AgentCore.start: binding is for another agent key');
    if (this.epoch > 0) {
      const c = this.continuation
        ? checkContinuation(this.c, this.continuation, own.binding!, this.epoch)
        : { ok: false as const, detail: 'none given' };
      if (!c.ok)
        throw new RangeError(
          `AgentCore.start: epoch ${this.epoch} needs the operator's continuation record: ${c.detail}`,
        );
    }
    this.store.putBinding(this.agentKey, own.binding!.version, this.bindingBytes, own.binding!.baid);
    // Other bindings stay in the store and are loaded (and verified) when first needed, each checked then against
    // its baid's latest stored version (so a rotated-out key met later is refused as stale): nothing is read here.
    this.started = true;
    this.own.bornAt = now;
    this.emit({ op: 'subscribe', channel: 'direct', key: this.agentHex });
    this.emit({ op: 'subscribe', channel: 'fraud', key: '+' }); // fork proofs against anyone, at priority
    this.revocations.start();
    this.heartbeat.start(now);
    this.lastNow = now;
    this.own.publishBirth();
    this.own.publishAllFrontiers(now);
    // Our own retained paths, subscribed after our publishes: what the broker holds there is checked (guardOwn).
    this.emit({ op: 'subscribe', channel: 'birth', key: this.agentHex });
    for (const t of this.own.topics()) this.guardTopic(t);
    this.finder.restoreOwnInterests(this.own.live(now), now, (e, detail) => this.reportUndecodable(e, detail));
  }

  /**
   * After a broker restart the retained copies may be gone: publish our birth, every log head (frontier)
   * and the bodies of our unexpired entries again. Idempotent for a broker that kept them. `bornAt`:
   * the time this connection's Will carries (see willMessage), when it differs from start's.
   */
  republish(now: number, bornAt = this.own.bornAt): void {
    if (!this.started) throw new RangeError('republish: call start() first');
    this.lastNow = Math.max(this.lastNow, now);
    if (bornAt < this.own.bornAt) throw new RangeError('republish: bornAt is earlier than the current birth');
    // A new connection is a new life: a broker that went down may have published the last connection's
    // Will (stamped with the old bornAt); a birth stamped later outranks it (docs/reliability.md item 3).
    this.own.bornAt = bornAt;
    this.own.republish(now);
    this.revocations.republish(now);
  }

  /**
   * The signed death to leave as the transport's last will (MQTT Will with a Will Delay): published by
   * the broker if this node vanishes. Stamped with this incarnation's birth time (pass the `now` that
   * start() will get): it outranks this incarnation's birth and is outranked by the next one's.
   */
  willMessage(bornAt: number): Uint8Array {
    return this.own.birthBytes(false, bornAt);
  }

  /** False when the author's latest birth/death message says it left (docs/architecture.md §5), or its node is unreachable. */
  isAlive(authorHex: string): boolean {
    return this.liveness.isAlive(authorHex);
  }

  /** Subscribes to a topic's headers and frontiers (topic narrowcast, docs/architecture.md §5). */
  follow(topic: string): void {
    if (!TOPIC_RE.test(topic)) throw new TypeError(`follow: invalid topic ${JSON.stringify(topic)}`);
    if (this.followed.has(topic)) return;
    this.followed.add(topic);
    this.emit({ op: 'subscribe', channel: 'header', key: topic });
    this.emit({ op: 'subscribe', channel: 'frontier', key: `${topic}/+` });
  }

  /** Stops receiving a topic's headers and frontiers; what was received stays. Returns whether it was followed. */
  unfollow(topic: string): boolean {
    if (!this.followed.delete(topic)) return false;
    this.emit({ op: 'unsubscribe', channel: 'header', key: topic });
    this.emit({ op: 'unsubscribe', channel: 'frontier', key: `${topic}/+` });
    return true;
  }

  /** The topics this node follows. */
  followedTopics(): string[] {
    return [...this.followed].sort();
  }

  /** Appends a declaration to our (agent, topic) log and publishes header, body and frontier. */
  announce(now: number, d: Declaration): { id: string; seq: number; bodyHash: string } {
    if (!this.started) throw new RangeError('announce: call start() first');
    this.lastNow = Math.max(this.lastNow, now);
    const a = this.own.append(now, d);
    this.guardTopic(d.topic);
    this.verifier.remember(a.idHex);
    this.events.push({ type: 'appended', author: this.agentHex, topic: d.topic, seq: a.entry.seq, own: true });
    if (d.kind === 'intent') this.finder.addInterest(a.idHex, { topic: d.topic, tags: d.tags, text: d.text }, now);
    return { id: a.idHex, seq: a.entry.seq, bodyHash: a.bodyHash };
  }

  /**
   * Like announce, unless an unexpired entry with the same body is already in our log and not
   * withdrawn since (a restarted node re-reading its config must not append the same declaration again).
   */
  announceOnce(now: number, d: Declaration): { id: string; seq: number; bodyHash: string; reused: boolean } {
    const current = this.own.findCurrent(now, d);
    return current ? { ...current, reused: true } : { ...this.announce(now, d), reused: false };
  }

  /**
   * Why a signed direct request (type `request`) would not be answered now (docs/spec/protocol.md "Direct
   * requests"), or undefined: the flood gate charges only authenticated, fresh requests to their signer.
   */
  requestRefusal(now: number, d: Extract<Direct, { type: 'request' }>): { reason: RejectReason } | undefined {
    return this.direct.check(now, d);
  }

  /**
   * Publishes a retained message another part of the node produced (a task's body, a dispute proof): it leaves
   * through pollTransmit in channel order (priority.ts), like the core's own output.
   */
  publishRetained(channel: Channel, key: string, bytes: Uint8Array, expiryMs?: number): void {
    this.emit({ op: 'publish', channel, key, bytes, retain: true, ...(expiryMs !== undefined ? { expiryMs } : {}) });
  }

  /** Reads the retained heads of every followed topic again: re-subscribing re-delivers them (gap repair follows). */
  rereadFrontiers(): void {
    for (const t of this.followed) {
      this.emit({ op: 'unsubscribe', channel: 'frontier', key: `${t}/+` });
      this.emit({ op: 'subscribe', channel: 'frontier', key: `${t}/+` });
    }
  }

  /** Sends a signed task message (src/core/task/) to an agent as a direct message. */
  sendTask(toHex: string, msg: Uint8Array): void {
    this.direct.send(toHex, { type: 'task', from: this.agentKey, msg });
  }

  /**
   * A standing interest in `state` declarations tagged `tag` (or below it) in every followed topic: their
   * bodies are pulled and come out as `declared` events (trust watches `receipt`). Bodyless as ever: the
   * header's sketch decides, other state bodies are skipped.
   */
  watch(now: number, tag: string): void {
    this.finder.watch(now, tag);
  }

  /** Fetches an agent's binding (its retained birth) when it is not verified yet, e.g. a receipt's signer. */
  requestBinding(authorHex: string): void {
    if (!this.verifier.bindingOf(authorHex)) this.births.fetch(undefined, authorHex);
  }

  /** Candidates we hold bodies for, ranked by semantic match (the runtime re-ranks them by topic trust, runtime/trust.ts); quarantined, revoked and rotated-out authors are left out. */
  discover(q: DiscoverQuery, now?: number): Candidate[] {
    return this.finder
      .discover(q, now)
      .filter(
        (c) =>
          this.isAlive(c.author) &&
          !this.verifier.isQuarantined(c.author) &&
          !this.verifier.isRevoked(c.author, now ?? Infinity) &&
          !this.verifier.isRetired(c.author, now ?? Infinity),
      );
  }

  // ------------------------------------------------------------------ inputs

  /** One message from the transport, decoded here (codec/parsed.ts) and received as `handleParsed`. */
  handleMessage(now: number, channel: Channel, key: string, bytes: Uint8Array): void {
    this.handleParsed(now, parseMessage(channel, key, bytes, this.limits, this.entryHash));
  }

  /**
   * A received message already decoded (by the node core, once per message: core/node/node-core.ts). `sigs`: the
   * signature answers of the batch it came in; without them each entry's signature is verified on the spot.
   */
  handleParsed(now: number, p: ParsedMessage, sigs?: BatchSignatures): void {
    this.lastNow = Math.max(this.lastNow, now);
    const { channel, key, bytes } = p;
    if (p.kind === 'oversized') return this.refuseOversized(channel, bytes.length);
    if (this.started && this.isOwnPath(channel, key))
      return this.guardOwn(now, channel as 'birth' | 'frontier', key, bytes);
    // A retained birth or frontier is read again on every re-subscribe (resync rounds, birth fetches): one
    // refused for what its bytes are is counted once (the memo), not at each re-read.
    const memo = channel === 'birth' || channel === 'frontier' ? this.retainedId(channel, key, bytes) : undefined;
    if (memo !== undefined && this.refusedRetained.has(memo)) return;
    this.lastReject = undefined;
    try {
      return this.dispatch(now, p, sigs);
    } finally {
      if (memo !== undefined && this.lastReject !== undefined && !TRANSIENT.has(this.lastReject))
        this.rememberRefused(memo);
    }
  }

  /**
   * A message the transport dropped unread for its size (MQTT maximum packet size, the mesh's reassembly
   * bound): counted as one the core refuses for its size.
   */
  refuseOversized(channel: Channel, bytes: number): void {
    this.reject('oversized', channel, `${bytes} bytes > limit ${this.limits.messageBytes}`);
  }

  /** A message that was over a peer's flood budget (core/gossip/gate.ts): dropped unread, counted. */
  refuseRateLimited(channel: Channel, peerHex: string): void {
    this.reject('rate_limited', channel, `peer ${peerHex.slice(0, 12)} over its budget`);
  }

  /** The head of a stored log, if any (the flood gate's replay check). */
  logHead(author: Uint8Array, topic: string): { epoch: number; seq: number } | undefined {
    return this.store.head(author, topic);
  }

  private dispatch(now: number, p: ParsedMessage, sigs: BatchSignatures | undefined): void {
    const { channel, key, bytes } = p;
    if (channel === 'header') this.counters.add('headerBytesIn', bytes.length);
    try {
      if (p.kind === 'malformed') throw p.error;
      if (p.kind === 'header') return this.rx.onEntry(now, p.se, 'push', key, false, sigs);
      if (p.kind === 'direct') return this.rx.onDirect(now, p.d, p.entries, sigs);
      switch (channel) {
        case 'body':
          this.counters.add('bodyBytesIn', bytes.length);
          return this.finder.onBody(now, key, bytes);
        case 'birth':
          return this.rx.onBirth(now, bytes, key);
        case 'frontier':
          return this.rx.onFrontier(now, bytes, key);
        case 'fraud':
          return this.fraud.receive(now, key, bytes);
        case 'revocation':
          return this.revocations.receive(key, bytes);
        case 'header':
        case 'direct':
          return; // parsed above (codec/parsed.ts)
      }
    } catch (e) {
      if (e instanceof DecodeError) return this.reject(decodeReason(e), channel, e.message);
      throw e; // a bug or a store failure: the driver's problem, not a peer's
    }
  }

  handleTimeout(now: number): void {
    this.lastNow = Math.max(this.lastNow, now);
    const { awaiting, gaps, held } = this.rx;
    const b = awaiting.due(now);
    for (const author of b.retry) this.births.fetch(now, author, true); // re-subscribing re-delivers the retained birth
    for (const d of b.dropped) {
      // Frontiers dropped for an author that never showed its binding are refused for good: not counted again when re-read.
      for (const w of d.items)
        if (w.channel === 'frontier' && w.key !== undefined)
          this.rememberRefused(this.retainedId('frontier', w.key, w.bytes));
      if (d.count > 0)
        this.reject(
          'unknown_author',
          'header',
          `${d.count} messages from ${d.author.slice(0, 12)} dropped: no binding`,
          d.count,
        );
    }
    this.finder.handleTimeout(now);
    for (const p of gaps.due(now)) this.direct.askEntries(now, p.data);
    for (const r of gaps.takeFailed()) {
      const n = held.dropLog(r.author, r.topic, r.epoch);
      if (n > 0)
        this.reject(
          'gap',
          'header',
          `${n} entries held for ${toHex(r.author).slice(0, 12)}/${r.topic} dropped: the gap repair failed`,
          n,
        );
    }
    const old = held.expire(now);
    if (old > 0) this.reject('gap', 'header', `${old} entries held longer than ${held.maxAgeMs} ms dropped`, old);
    if (this.started && this.heartbeat.due(now)) {
      this.own.repeatChanged(now);
      this.own.flushPending(now);
      this.own.restoreDue(now);
      this.births.sweep(
        now,
        (a) => this.finder.hasCandidateOf(a),
        (a) => awaiting.has(a),
      );
      if (this.heartbeat.resyncRound) {
        // Our heads go out again on the same schedule: a retained frontier lost or replaced where we did
        // not see it (guardOwn sees only what reaches us) is back within one resync interval.
        this.own.publishAllFrontiers(now);
        this.rereadFrontiers();
      }
    }
    this.fraud.publishDue(now);
    this.revocations.flush(now);
  }

  // ------------------------------------------------------------------ outputs

  pollTransmit(): Outgoing | undefined {
    this.own.flushFrontiers();
    return this.out.shift();
  }
  pollEvent(): CoreEvent | undefined {
    return this.events.shift();
  }
  /**
   * Drops everything produced since the last poll (used by the driver when the store transaction that
   * covered those calls rolled back: nothing of it may reach the network).
   */
  discardOutput(): void {
    this.out.length = 0;
    this.events.length = 0;
    this.own.discardDirty();
  }

  pollTimeout(): number | undefined {
    const ds = [
      this.rx.awaiting.nextDeadline(),
      this.finder.pulls.nextDeadline(),
      this.rx.gaps.nextDeadline(),
      this.rx.held.nextDeadline(),
      // Only a round with work wakes the node (changed frontiers to repeat, paths to restore, birth subscriptions to
      // sweep); otherwise the next resync round does (gossip/heartbeat.ts).
      this.heartbeat.nextDeadline(this.own.heartbeatWork() || this.births.sweepPending(), this.lastNow),
      this.forks.nextDeadline(),
      this.revocations.nextDeadline(),
    ].filter((d): d is number => d !== undefined);
    return ds.length ? Math.min(...ds) : undefined;
  }

  status() {
    const { agentHex, epoch, followed, finder, store, verifier, counters, forks, revocations } = this;
    const { gaps, held, awaiting } = this.rx;
    return coreStatus({
      agentHex,
      epoch,
      followed,
      finder,
      store,
      verifier,
      counters,
      gaps,
      forks,
      revocations,
      held,
      awaiting,
    });
  }

  /** Verified peers with tier and last seen (views.ts). */
  peers(now: number): PeerInfo[] {
    return peerViews(this.verifier, this.rx.lastSeen, this.agentHex, now);
  }

  /** Head of every stored log (views.ts). */
  logHeads(): LogHeadInfo[] {
    return logHeadViews(this.store);
  }

  /**
   * This agent's live declarations (views.ts). An entry whose stored body does not decode (an older
   * version signed it) is left out and reported once per run: counter `storeUndecodable`, event `undecodable`.
   */
  declarations(now: number): OwnDeclaration[] {
    return ownDeclarations(this.store, this.agentKey, this.limits, now, (e, detail) =>
      this.reportUndecodable(e, detail),
    );
  }

  private reportUndecodable(e: StoredEntry, detail: string): void {
    const id = toHex(e.id);
    if (this.undecodable.has(id)) return;
    this.undecodable.add(id);
    this.counters.add('storeUndecodable', 1);
    this.events.push({ type: 'undecodable', id, topic: e.topic, seq: e.seq, detail });
  }

  // ------------------------------------------------------------------ helpers

  private emit(o: Outgoing): void {
    enqueueByPriority(this.out, o); // fork proofs and revocations first (priority.ts, docs/architecture.md §4)
  }

  /** Subscribes to our frontier path in `topic` (once), so that what is retained there is checked. */
  private guardTopic(topic: string): void {
    if (this.guarded.has(topic)) return;
    this.guarded.add(topic);
    this.emit({ op: 'subscribe', channel: 'frontier', key: `${topic}/${this.agentHex}` });
  }

  private isOwnPath(channel: Channel, key: string): boolean {
    return (
      (channel === 'birth' && key === this.agentHex) ||
      (channel === 'frontier' && key.endsWith(`/${this.agentHex}`) && this.guarded.has(key.slice(0, -65)))
    );
  }

  /**
   * A message on one of our own retained paths (n/{self}, f/{topic}/{self}), as the broker delivers it on
   * subscribe and on every change: anything but what we last published there (garbage, another's data,
   * an older message of ours) would hide our birth or log from every node that subscribes later, so ours
   * is published again (own-log.ts checkOwnPath, at most once per heartbeat per path).
   */
  private guardOwn(now: number, channel: 'birth' | 'frontier', key: string, bytes: Uint8Array): void {
    if (this.own.checkOwnPath(now, channel, key, bytes)) this.counters.add('ownPathsRestored', 1);
  }

  /** Identity of a retained message for the refused-once memo: SHA-256 of channel, key and bytes. */
  private retainedId(channel: Channel, key: string, bytes: Uint8Array): string {
    const k = new TextEncoder().encode(`${channel}/${key}\n`);
    const b = new Uint8Array(k.length + bytes.length);
    b.set(k);
    b.set(bytes, k.length);
    return toHex(this.c.sha256(b));
  }

  private rememberRefused(id: string): void {
    this.refusedRetained.add(id);
    if (this.refusedRetained.size > REFUSED_RETAINED_MAX)
      this.refusedRetained.delete(this.refusedRetained.values().next().value!);
  }

  /** Counts `n` rejected messages (one event describes them all). */
  private reject(reason: RejectReason, channel: Channel, detail: string, n = 1): void {
    this.lastReject = reason;
    this.counters.reject(reason, n);
    this.events.push({ type: 'rejected', reason, channel, detail });
  }
}
