// AgentCore: the protocol adaptation layer (DESIGN §1-2), sans-I/O (STYLE 2).
//
// Inputs carry `now` (ms since the Unix epoch, from the driver's or the simulator's clock):
//   handleMessage(now, channel, key, bytes)   a message from the transport
//   handleTimeout(now)                        the deadline from pollTimeout() has passed
//   start / announce / follow / discover      the local agent's PAL calls
// Outputs are polled: pollTransmit() (publish/subscribe), pollEvent() (discoveries, rejections),
// pollTimeout() (next deadline). A peer's bad message never throws: it becomes a RejectReason,
// counted in status() and emitted as an event.
//
// Receiving an entry (header), in order (DESIGN §4-6):
//   size -> decode -> T0 (id seen?) -> binding known? (else hold, fetch birth) -> T1 signature
//   -> log rule (append | duplicate | stale | fork | broken | gap: hold + ask the author)
//   -> on append: sketch vs interests -> pull body by hash -> hash/len check -> decode -> match.

import { toHex } from './bytes.js';
import { decodeBody, encodeBody, type Body } from './codec/body.js';
import { decodeEntry, encodeEntry, entryToBeSigned, type Entry, type SignedEntry } from './codec/entry.js';
import { DEFAULT_LIMITS, TAG_RE, TOPIC_RE, type Limits } from './codec/limits.js';
import { decodeBirth, decodeDirect, decodeFrontier, encodeBirth, encodeDirect, encodeFrontier, birthToBeSigned, frontierToBeSigned, MAX_RANGE, type Direct, type Frontier } from './codec/messages.js';
import { DecodeError, REJECT_REASONS, type RejectReason } from './errors.js';
import { DiscoveryIndex } from './gossip/discovery.js';
import type { Interest } from './gossip/match.js';
import { BodyPulls } from './gossip/pulls.js';
import { makeSketch } from './gossip/sketch.js';
import { HeldEntries } from './log/held.js';
import { GapRepair, type Range } from './gossip/repair.js';
import { AwaitingBinding } from './identity/awaiting.js';
import { TieredVerifier } from './identity/verifier.js';
import { decideReceive } from './log/rules.js';
import type { LogStore, StoredEntry } from './log/store.js';
import type { CryptoPort } from './ports.js';
import type { Candidate, Channel, CoreEvent, Declaration, DiscoverQuery, LogHeadInfo, Outgoing, OwnDeclaration, PeerInfo } from './types.js';
import { Counters } from './counters.js';
import { logHeadViews, ownDeclarations, peerViews } from './views.js';

export interface AgentOptions {
  readonly crypto: CryptoPort;
  readonly store: LogStore;
  readonly agentSecret: Uint8Array;
  /** This agent's binding (COSE_Sign bytes); must verify at T2 and bind the agent key. */
  readonly binding: Uint8Array;
  readonly limits?: Limits;
  readonly epoch?: number;
  /** Accepted clock skew for peers' timestamps, ms (default 5 min). */
  readonly clockSkewMs?: number;
  readonly t0CacheSize?: number;
  readonly pullTimeoutMs?: number;
  readonly maxAttempts?: number;
  /** Out-of-order entries held per log while a gap is repaired. */
  readonly heldPerLog?: number;
  readonly maxHeld?: number;
  /** Operator keys (hex) accepted; absent = any operator. */
  readonly operators?: ReadonlySet<string>;
}

type Source = 'push' | 'repair';

export class AgentCore {
  readonly agentKey: Uint8Array;
  readonly agentHex: string;
  readonly limits: Limits;
  readonly verifier: TieredVerifier;
  readonly counters = new Counters(REJECT_REASONS);
  private readonly c: CryptoPort;
  private readonly store: LogStore;
  private readonly secret: Uint8Array;
  private readonly bindingBytes: Uint8Array;
  private readonly epoch: number;
  private readonly skew: number;
  private readonly heldPerLog: number;
  private readonly out: Outgoing[] = [];
  private readonly events: CoreEvent[] = [];
  private readonly followed = new Set<string>();
  private readonly index: DiscoveryIndex;
  /** Entries waiting for their author's binding, per author hex. */
  private readonly awaiting: AwaitingBinding;
  private readonly pulls: BodyPulls;
  private readonly gaps: GapRepair;
  private readonly held: HeldEntries;
  /** Author hex -> `now` of the last message from it that passed verification (peer list). */
  private readonly lastSeen = new Map<string, number>();
  /** Latest birth or death per author, ordered by (epoch, ts): a late Will never kills a reborn node. */
  private readonly liveness = new Map<string, { epoch: number; ts: number; alive: boolean }>();
  private started = false;
  /** Birth time of this incarnation: births and the Will carry it, so they order against the next one. */
  private bornAt = 0;
  private readonly dirtyFrontiers = new Map<string, { epoch: number; seq: number; id: Uint8Array; now: number }>();

  constructor(o: AgentOptions) {
    this.c = o.crypto;
    this.store = o.store;
    this.secret = o.agentSecret;
    this.limits = o.limits ?? DEFAULT_LIMITS;
    this.epoch = o.epoch ?? 0;
    this.skew = o.clockSkewMs ?? 5 * 60_000;
    this.heldPerLog = o.heldPerLog ?? 64;
    this.held = new HeldEntries(this.heldPerLog, o.maxHeld ?? 4096);
    this.index = new DiscoveryIndex(o.crypto);
    const timeout = o.pullTimeoutMs ?? 2000;
    const attempts = o.maxAttempts ?? 4;
    this.awaiting = new AwaitingBinding(timeout, attempts, this.heldPerLog);
    this.pulls = new BodyPulls(timeout, attempts);
    this.gaps = new GapRepair(timeout, attempts);
    this.agentKey = o.crypto.signer.publicKey(o.agentSecret);
    this.agentHex = toHex(this.agentKey);
    this.bindingBytes = o.binding;
    this.verifier = new TieredVerifier(o.crypto, this.limits, o.t0CacheSize ?? 4096, o.operators);
  }

  // ------------------------------------------------------------------ lifecycle and PAL calls

  /** Verifies our own binding, restores verified peers and own interests, subscribes, sends birth. */
  start(now: number): void {
    if (this.started) throw new RangeError('AgentCore.start: already started');
    const own = this.verifier.acceptBinding(this.bindingBytes, now);
    if (!own.ok) throw new RangeError(`AgentCore.start: own binding fails T2: ${own.detail}`);
    if (toHex(own.binding!.agentKey) !== this.agentHex) throw new RangeError('AgentCore.start: binding is for another agent key');
    this.store.putBinding(this.agentKey, own.binding!.version, this.bindingBytes);
    for (const b of this.store.bindings()) this.verifier.acceptBinding(b, now); // expired ones simply drop out
    this.started = true;
    this.bornAt = now;
    this.emit({ op: 'subscribe', channel: 'direct', key: this.agentHex });
    const birth = { author: this.agentKey, epoch: this.epoch, ts: this.bornAt, binding: this.bindingBytes, alive: true };
    this.emit({ op: 'publish', channel: 'birth', key: this.agentHex, retain: true, bytes: encodeBirth(birth, this.c.signer.sign(this.secret, birthToBeSigned(birth))) });
    for (const log of this.store.logs(this.agentKey)) {
      this.publishFrontier(log.topic, log.head.epoch, log.head.seq, log.head.id, now);
      this.restoreOwnInterests(log.topic, log.head.epoch, log.head.seq, now);
    }
  }

  /**
   * After a broker restart the retained copies may be gone: publish our birth, every log head (frontier)
   * and the bodies of our unexpired entries again. Idempotent for a broker that kept them. `bornAt`:
   * the time this connection's Will carries (see willMessage), when it differs from start's.
   */
  republish(now: number, bornAt = this.bornAt): void {
    if (!this.started) throw new RangeError('republish: call start() first');
    if (bornAt < this.bornAt) throw new RangeError('republish: bornAt is earlier than the current birth');
    // A new connection is a new life: a broker that went down may have published the last connection's
    // Will (stamped with the old bornAt); a birth stamped later outranks it (docs/reliability.md item 3).
    this.bornAt = bornAt;
    const birth = { author: this.agentKey, epoch: this.epoch, ts: this.bornAt, binding: this.bindingBytes, alive: true };
    this.emit({ op: 'publish', channel: 'birth', key: this.agentHex, retain: true, bytes: encodeBirth(birth, this.c.signer.sign(this.secret, birthToBeSigned(birth))) });
    for (const log of this.store.logs(this.agentKey)) {
      this.publishFrontier(log.topic, log.head.epoch, log.head.seq, log.head.id, now);
      for (const e of this.store.range(this.agentKey, log.topic, log.head.epoch, Math.max(1, log.head.seq - MAX_RANGE + 1), log.head.seq)) {
        const body = e.expires > now ? this.store.getBody(e.bodyHash) : undefined;
        if (body) this.emit({ op: 'publish', channel: 'body', key: toHex(e.bodyHash), bytes: body, retain: true, expiryMs: e.expires - now });
      }
    }
  }

  /**
   * The signed death to leave as the transport's last will (MQTT Will with a Will Delay): published by
   * the broker if this node vanishes. Stamped with this incarnation's birth time (pass the `now` that
   * start() will get): it outranks this incarnation's birth and is outranked by the next one's.
   */
  willMessage(bornAt: number): Uint8Array {
    const death = { author: this.agentKey, epoch: this.epoch, ts: bornAt, binding: this.bindingBytes, alive: false };
    return encodeBirth(death, this.c.signer.sign(this.secret, birthToBeSigned(death)));
  }

  /** False when the author's latest birth/death message says it left (DESIGN §5). */
  isAlive(authorHex: string): boolean {
    return this.liveness.get(authorHex)?.alive ?? true;
  }

  /** Subscribes to a topic's headers and frontiers (topic narrowcast, DESIGN §5). */
  follow(topic: string): void {
    if (!TOPIC_RE.test(topic)) throw new TypeError(`follow: invalid topic ${JSON.stringify(topic)}`);
    if (this.followed.has(topic)) return;
    this.followed.add(topic);
    this.emit({ op: 'subscribe', channel: 'header', key: topic });
    this.emit({ op: 'subscribe', channel: 'frontier', key: `${topic}/+` });
  }

  /** Appends a declaration to our (agent, topic) log and publishes header, body and frontier. */
  announce(now: number, d: Declaration): { id: string; seq: number; bodyHash: string } {
    if (!this.started) throw new RangeError('announce: call start() first');
    if (!TOPIC_RE.test(d.topic)) throw new TypeError(`announce: invalid topic ${JSON.stringify(d.topic)}`);
    for (const t of d.tags) if (!TAG_RE.test(t) || t.length > this.limits.tagBytes) throw new TypeError(`announce: invalid tag ${JSON.stringify(t)}`);
    const { ttlMs = 24 * 3600_000, topic, ...rest } = d;
    const body: Body = { ...rest, tags: [...d.tags] };
    const bodyBytes = encodeBody(body);
    if (bodyBytes.length > this.limits.bodyBytes) throw new RangeError(`announce: body of ${bodyBytes.length} bytes exceeds ${this.limits.bodyBytes}`);
    const head = this.store.head(this.agentKey, topic);
    const continuing = head && head.epoch === this.epoch;
    const entry: Entry = {
      author: this.agentKey,
      topic,
      epoch: this.epoch,
      seq: continuing ? head.seq + 1 : 1,
      ...(continuing ? { prev: head.id } : {}),
      kind: d.kind,
      ts: Math.max(now, continuing ? head.ts : 0), // never earlier than our previous entry (DESIGN §4)
      expires: now + ttlMs,
      bodyHash: this.c.sha256(bodyBytes),
      bodyLen: bodyBytes.length,
      sketch: makeSketch(this.c, d.tags),
      tier: 2,
    };
    const bytes = encodeEntry(entry, this.c.signer.sign(this.secret, entryToBeSigned(entry)));
    if (bytes.length > this.limits.headerBytes) throw new RangeError(`announce: header of ${bytes.length} bytes exceeds ${this.limits.headerBytes}`);
    const id = this.c.sha256(bytes);
    // Stored before anything is sent: an entry peers may have seen is always in our log (no self-fork).
    this.store.transaction(() => {
      this.store.append(this.storedOf(entry, id, bytes));
      this.store.putBody(entry.bodyHash, bodyBytes, entry.expires);
    });
    const idHex = toHex(id);
    this.verifier.remember(idHex);
    this.emit({ op: 'publish', channel: 'body', key: toHex(entry.bodyHash), bytes: bodyBytes, retain: true, expiryMs: ttlMs });
    this.emit({ op: 'publish', channel: 'header', key: topic, bytes, retain: false });
    this.counters.add('headerBytesOut', bytes.length);
    this.counters.add('bodyBytesOut', bodyBytes.length);
    // The frontier is signed once per batch of appends to a log, when the output is next polled.
    this.dirtyFrontiers.set(topic, { epoch: entry.epoch, seq: entry.seq, id, now });
    this.events.push({ type: 'appended', author: this.agentHex, topic, seq: entry.seq, own: true });
    if (d.kind === 'intent') this.addInterest(idHex, { topic, tags: d.tags, text: d.text }, now);
    return { id: idHex, seq: entry.seq, bodyHash: toHex(entry.bodyHash) };
  }

  /**
   * Like announce, unless an unexpired entry with the same body is already in our log and not
   * withdrawn since (a restarted node re-reading its config must not append the same declaration again).
   */
  announceOnce(now: number, d: Declaration): { id: string; seq: number; bodyHash: string; reused: boolean } {
    const { ttlMs: _ttl, topic, ...rest } = d;
    const hash = toHex(this.c.sha256(encodeBody({ ...rest, tags: [...d.tags] })));
    const head = this.store.head(this.agentKey, topic);
    if (head) {
      // Newest first, stopping at a withdraw: a declaration withdrawn since must be announced again.
      const recent = this.store.range(this.agentKey, topic, head.epoch, Math.max(1, head.seq - MAX_RANGE + 1), head.seq).reverse();
      for (const e of recent) {
        if (toHex(e.bodyHash) === hash && e.expires > now) return { id: toHex(e.id), seq: e.seq, bodyHash: hash, reused: true };
        if (e.kind === 'withdraw') break;
      }
    }
    return { ...this.announce(now, d), reused: false };
  }

  /** Candidates we hold bodies for, ranked by semantic match (trust weighting arrives with MG-EigenTrust). */
  discover(q: DiscoverQuery, now?: number): Candidate[] {
    return this.index.discover(q, now).filter((c) => this.isAlive(c.author));
  }

  // ------------------------------------------------------------------ inputs

  handleMessage(now: number, channel: Channel, key: string, bytes: Uint8Array): void {
    if (bytes.length > this.limits.messageBytes) return this.reject('oversized', channel, `${bytes.length} bytes`);
    try {
      switch (channel) {
        case 'header':
          this.counters.add('headerBytesIn', bytes.length);
          return this.onEntryBytes(now, bytes, 'push', key);
        case 'body':
          this.counters.add('bodyBytesIn', bytes.length);
          return this.onBody(now, key, bytes);
        case 'birth':
          return this.onBirth(now, bytes);
        case 'frontier':
          return this.onFrontier(now, bytes);
        case 'direct':
          return this.onDirect(now, bytes);
      }
    } catch (e) {
      if (e instanceof DecodeError) return this.reject('malformed', channel, e.message);
      throw e; // a bug or a store failure: the driver's problem, not a peer's
    }
  }

  handleTimeout(now: number): void {
    const b = this.awaiting.due(now);
    for (const author of b.retry) {
      this.emit({ op: 'unsubscribe', channel: 'birth', key: author }); // re-subscribing re-delivers the retained birth
      this.emit({ op: 'subscribe', channel: 'birth', key: author });
    }
    for (const d of b.dropped) if (d.count > 0) this.reject('unknown_author', 'header', `${d.count} messages from ${d.author.slice(0, 12)} dropped: no binding`, d.count);
    for (const p of this.pulls.due(now)) this.requestBody(p.entry, p.attempt);
    for (const p of this.gaps.due(now)) this.sendGapRequest(p.data);
  }

  // ------------------------------------------------------------------ outputs

  pollTransmit(): Outgoing | undefined {
    if (this.dirtyFrontiers.size) {
      for (const [topic, f] of this.dirtyFrontiers) this.publishFrontier(topic, f.epoch, f.seq, f.id, f.now);
      this.dirtyFrontiers.clear();
    }
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
    this.dirtyFrontiers.clear();
  }

  pollTimeout(): number | undefined {
    const ds = [this.awaiting.nextDeadline(), this.pulls.nextDeadline(), this.gaps.nextDeadline()].filter((d): d is number => d !== undefined);
    return ds.length ? Math.min(...ds) : undefined;
  }

  status() {
    return {
      agent: this.agentHex,
      epoch: this.epoch,
      followed: [...this.followed].sort(),
      interests: this.index.interestCount,
      entries: this.store.entryCount(),
      knownAgents: this.verifier.knownAgents(),
      candidates: this.index.candidateCount,
      verified: { ...this.verifier.counters },
      rejected: this.counters.rejected(),
      bytes: this.counters.bytes(),
      pulls: { requested: this.pulls.requested, completed: this.pulls.completed, failed: this.pulls.failed },
      gapRepairs: { requested: this.gaps.requested, failed: this.gaps.failed },
      discoveries: this.counters.get('discoveries'),
      pending: { held: this.held.size, pulls: this.pulls.size, gaps: this.gaps.size, births: this.awaiting.size },
    };
  }

  /** Verified peers with tier and last seen (views.ts). */
  peers(now: number): PeerInfo[] {
    return peerViews(this.verifier, this.lastSeen, this.agentHex, now);
  }

  /** Head of every stored log (views.ts). */
  logHeads(): LogHeadInfo[] {
    return logHeadViews(this.store);
  }

  /** This agent's own unexpired declarations (views.ts). */
  declarations(now: number): OwnDeclaration[] {
    return ownDeclarations(this.store, this.agentKey, this.limits, now);
  }

  // ------------------------------------------------------------------ receive paths

  private onEntryBytes(now: number, bytes: Uint8Array, source: Source, channelTopic?: string): void {
    const se = decodeEntry(bytes, this.limits);
    const e = se.entry;
    if (channelTopic !== undefined && channelTopic !== e.topic) return this.reject('wrong_topic', 'header', `entry for ${e.topic} on ${channelTopic}`);
    // A live header past its expiry is refused (it may still arrive through gap repair, which keeps
    // history complete; only live announcements must be current).
    if (source === 'push' && e.expires <= now) return this.reject('expired', 'header', `expired ${now - e.expires} ms ago`);
    const id = this.c.sha256(bytes);
    const idHex = toHex(id);
    // T0: an id that passed T1 before skips the crypto, not the log rules (so a write lost to a failed
    // store transaction is simply written again when the entry comes back).
    if (!this.verifier.seenBefore(idHex)) {
      const author = toHex(e.author);
      if (!this.verifier.bindingOf(author)) return this.awaitBinding(now, author, 'header', channelTopic, bytes);
      if (e.ts > now + this.skew) return this.reject('future', 'header', `ts ${e.ts - now} ms ahead`);
      const t1 = this.verifier.checkSigned(e.author, se.toBeSigned, se.signature, e.ts, e.topic);
      if (!t1.ok) return this.reject(t1.reason, 'header', t1.detail);
      this.verifier.remember(idHex);
    }
    this.receiveVerified(now, se, id, source);
  }

  private receiveVerified(now: number, se: SignedEntry, id: Uint8Array, source: Source): void {
    const e = se.entry;
    this.lastSeen.set(toHex(e.author), now);
    const d = decideReceive(this.store.head(e.author, e.topic), this.store.get(e.author, e.topic, e.epoch, e.seq), e, id);
    switch (d.action) {
      case 'duplicate':
        return;
      case 'stale':
        return this.reject('stale', 'header', `seq ${e.seq} behind head`);
      case 'broken':
        return this.reject('broken_chain', 'header', `seq ${e.seq} does not extend our head`);
      case 'fork':
        this.events.push({ type: 'fork', author: toHex(e.author), topic: e.topic, epoch: e.epoch, seq: e.seq });
        return this.reject('fork', 'header', `two entries at ${e.topic}/${e.epoch}/${e.seq}`);
      case 'gap':
        this.held.hold(se, id);
        return this.requestGap(this.gaps.need(now, e.author, e.topic, e.epoch, d.fromSeq, d.toSeq));
      case 'append':
        break;
    }
    this.store.append(this.storedOf(e, id, se.bytes));
    this.events.push({ type: 'appended', author: toHex(e.author), topic: e.topic, seq: e.seq, own: false });
    this.onAppended(now, e, id);
    this.requestGap(this.gaps.appended(now, e.author, e.topic, e.epoch, e.seq, this.held.has(e, e.seq + 1)));
    const next = this.held.take(e, e.seq + 1);
    if (next) this.receiveVerified(now, next.se, next.id, 'repair');
  }

  private onAppended(now: number, e: Entry, id: Uint8Array): void {
    const author = toHex(e.author);
    if (author === this.agentHex) return;
    if (e.kind === 'withdraw') {
      if (this.index.withdraw(author, e.topic, e)) this.events.push({ type: 'withdrawn', author, topic: e.topic });
      return;
    }
    if (e.kind !== 'capability' || e.expires <= now) return;
    if (!this.index.wants(e)) {
      this.counters.add('bodiesSkipped', 1); // bodyless gossip at work: no interest, no pull
      return;
    }
    const have = this.store.getBody(e.bodyHash);
    if (have) return this.acceptBody(now, e, toHex(id), have);
    if (this.pulls.want(now, { entry: e, id: toHex(id) }) === 'new') this.requestBody(e, 1);
  }

  /** First attempt: the broker's retained copy; later attempts also ask the author directly. */
  private requestBody(e: Entry, attempt: number): void {
    const key = toHex(e.bodyHash);
    this.pulls.requested++;
    if (attempt > 1) this.emit({ op: 'unsubscribe', channel: 'body', key });
    this.emit({ op: 'subscribe', channel: 'body', key });
    if (attempt > 1) this.sendDirect(toHex(e.author), { type: 'getBody', from: this.agentKey, bodyHash: e.bodyHash });
  }

  private onBody(now: number, key: string, bytes: Uint8Array): void {
    const done = this.pulls.complete(key, bytes, toHex(this.c.sha256(bytes)));
    if (done === undefined) return;
    if (done === 'mismatch') return this.reject('body_hash_mismatch', 'body', `body for ${key.slice(0, 12)} does not match header`);
    this.emit({ op: 'unsubscribe', channel: 'body', key });
    this.store.putBody(done[0]!.entry.bodyHash, bytes, Math.max(...done.map((w) => w.entry.expires)));
    for (const w of done) this.acceptBody(now, w.entry, w.id, bytes);
  }

  private acceptBody(now: number, e: Entry, idHex: string, bytes: Uint8Array): void {
    const body = decodeBody(bytes, this.limits);
    if (body.kind !== e.kind) return this.reject('malformed', 'body', 'body kind differs from header kind');
    for (const d of this.index.addBody(now, e, toHex(e.author), idHex, body)) {
      this.counters.add('discoveries', 1);
      this.events.push(d);
    }
  }

  private onBirth(now: number, bytes: Uint8Array): void {
    const { birth, signature, toBeSigned } = decodeBirth(bytes, this.limits);
    const author = toHex(birth.author);
    const acc = this.verifier.acceptBinding(birth.binding, now);
    if (!acc.ok) {
      if (acc.reason !== 'stale') this.reject(acc.reason, 'birth', acc.detail);
      return;
    }
    if (toHex(acc.binding!.agentKey) !== author) return this.reject('binding_invalid', 'birth', 'binding is for another agent key');
    const t1 = this.verifier.checkSigned(birth.author, toBeSigned, signature, birth.ts);
    if (!t1.ok) return this.reject(t1.reason, 'birth', t1.detail);
    this.store.putBinding(birth.author, acc.binding!.version, birth.binding);
    const prev = this.liveness.get(author);
    // Newer (epoch, ts) wins; on a tie the death wins: an incarnation's Will carries its own birth time.
    if (!prev || birth.epoch > prev.epoch || (birth.epoch === prev.epoch && (birth.ts > prev.ts || (birth.ts === prev.ts && !birth.alive)))) {
      this.liveness.set(author, { epoch: birth.epoch, ts: birth.ts, alive: birth.alive });
    }
    if (!birth.alive) return; // a death (the MQTT Will): the binding stays valid for its history
    this.lastSeen.set(author, now);
    const waiting = this.awaiting.release(author);
    for (const w of waiting) {
      try {
        if (w.channel === 'header') this.onEntryBytes(now, w.bytes, w.key === undefined ? 'repair' : 'push', w.key);
        else this.onFrontier(now, w.bytes);
      } catch (e) {
        if (!(e instanceof DecodeError)) throw e;
        this.reject('malformed', w.channel, e.message);
      }
    }
  }

  private onFrontier(now: number, bytes: Uint8Array): void {
    const { frontier: f, signature, toBeSigned } = decodeFrontier(bytes, this.limits);
    const author = toHex(f.author);
    if (author === this.agentHex || !this.followed.has(f.topic)) return;
    if (!this.verifier.bindingOf(author)) return this.awaitBinding(now, author, 'frontier', undefined, bytes);
    const t1 = this.verifier.checkSigned(f.author, toBeSigned, signature, f.ts, f.topic);
    if (!t1.ok) return this.reject(t1.reason, 'frontier', t1.detail);
    this.lastSeen.set(author, now);
    const head = this.store.head(f.author, f.topic);
    if (head && (f.epoch < head.epoch || (f.epoch === head.epoch && f.seq <= head.seq))) return;
    const from = head && head.epoch === f.epoch ? head.seq + 1 : 1;
    this.requestGap(this.gaps.need(now, f.author, f.topic, f.epoch, from, f.seq));
  }

  private onDirect(now: number, bytes: Uint8Array): void {
    const d = decodeDirect(bytes, this.limits);
    const from = toHex(d.from);
    switch (d.type) {
      case 'getEntries': {
        const entries = this.store.range(d.author, d.topic, d.epoch, d.fromSeq, d.toSeq).map((x) => x.bytes);
        if (entries.length) this.sendDirect(from, { type: 'entries', from: this.agentKey, entries });
        return;
      }
      case 'entries':
        for (const b of d.entries) {
          this.counters.add('headerBytesIn', b.length);
          try {
            this.onEntryBytes(now, b, 'repair');
          } catch (e) {
            if (!(e instanceof DecodeError)) throw e;
            this.reject('malformed', 'direct', e.message);
          }
        }
        return;
      case 'getBody': {
        const body = this.store.getBody(d.bodyHash);
        if (body) this.sendDirect(from, { type: 'body', from: this.agentKey, body });
        return;
      }
      case 'body': {
        const key = toHex(this.c.sha256(d.body));
        if (!this.pulls.has(key)) return;
        this.counters.add('bodyBytesIn', d.body.length);
        return this.onBody(now, key, d.body);
      }
    }
  }

  // ------------------------------------------------------------------ helpers

  private awaitBinding(now: number, author: string, channel: 'header' | 'frontier', key: string | undefined, bytes: Uint8Array): void {
    const r = this.awaiting.add(now, author, { channel, key, bytes });
    if (r === 'full') return this.reject('unknown_author', channel, 'too many messages pending for unknown authors');
    if (r === 'fetch') this.emit({ op: 'subscribe', channel: 'birth', key: author });
  }

  private requestGap(r: Range | undefined): void {
    if (r) this.sendGapRequest(r);
  }

  private sendGapRequest(r: Range): void {
    this.sendDirect(toHex(r.author), { type: 'getEntries', from: this.agentKey, author: r.author, topic: r.topic, epoch: r.epoch, fromSeq: r.fromSeq, toSeq: r.toSeq });
  }

  private addInterest(intentId: string, i: Interest, now: number): void {
    this.index.addInterest(intentId, i, now);
    this.follow(i.topic);
    this.matchStored(now, i.topic);
  }

  /**
   * A new interest must also see capabilities already in our logs: their bodies were skipped when no
   * interest wanted them, and no header will come again (found by the simulator, docs/simulator.md).
   * The head of each log of the topic is offered as if just appended (sketch test, then pull).
   */
  private matchStored(now: number, topic: string): void {
    for (const log of this.store.logs()) {
      if (log.topic !== topic || toHex(log.author) === this.agentHex) continue;
      const se = this.store.get(log.author, topic, log.head.epoch, log.head.seq);
      if (!se || se.kind !== 'capability' || se.expires <= now) continue;
      this.onAppended(now, decodeEntry(se.bytes, this.limits).entry, se.id);
    }
  }

  private restoreOwnInterests(topic: string, epoch: number, headSeq: number, now: number): void {
    for (const e of this.store.range(this.agentKey, topic, epoch, Math.max(1, headSeq - MAX_RANGE + 1), headSeq)) {
      if (e.kind !== 'intent' || e.expires <= now) continue;
      const b = this.store.getBody(e.bodyHash);
      if (!b) continue;
      const body = decodeBody(b, this.limits);
      this.addInterest(toHex(e.id), { topic, tags: body.tags, text: body.text }, now);
    }
  }

  private publishFrontier(topic: string, epoch: number, seq: number, id: Uint8Array, now: number): void {
    const f: Frontier = { author: this.agentKey, topic, epoch, seq, id, ts: now };
    const bytes = encodeFrontier(f, this.c.signer.sign(this.secret, frontierToBeSigned(f)));
    this.emit({ op: 'publish', channel: 'frontier', key: `${topic}/${this.agentHex}`, bytes, retain: true });
  }

  private sendDirect(to: string, d: Direct): void {
    const bytes = encodeDirect(d);
    this.counters.add('directBytesOut', bytes.length);
    this.emit({ op: 'publish', channel: 'direct', key: to, bytes, retain: false });
  }

  private storedOf(e: Entry, id: Uint8Array, bytes: Uint8Array): StoredEntry {
    return { id, author: e.author, topic: e.topic, epoch: e.epoch, seq: e.seq, kind: e.kind, ts: e.ts, expires: e.expires, bodyHash: e.bodyHash, bytes };
  }

  private emit(o: Outgoing): void {
    this.out.push(o);
  }

  /** Counts `n` rejected messages (one event describes them all). */
  private reject(reason: RejectReason, channel: Channel, detail: string, n = 1): void {
    this.counters.reject(reason, n);
    this.events.push({ type: 'rejected', reason, channel, detail });
  }
}
