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
import { matches, matchScore, type Interest } from './gossip/match.js';
import { RequestTable } from './gossip/requests.js';
import { makeSketch, sketchMatches } from './gossip/sketch.js';
import { TieredVerifier } from './identity/verifier.js';
import { decideReceive } from './log/rules.js';
import type { LogStore, StoredEntry } from './log/store.js';
import type { CryptoPort } from './ports.js';
import type { Candidate, Channel, CoreEvent, Declaration, DiscoverQuery, Outgoing } from './types.js';
import { Counters } from './counters.js';

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

interface Held {
  readonly se: SignedEntry;
  readonly id: Uint8Array;
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
  private readonly maxHeld: number;
  private readonly out: Outgoing[] = [];
  private readonly events: CoreEvent[] = [];
  private readonly followed = new Set<string>();
  private readonly interests = new Map<string, Interest & { at: number }>();
  private readonly candidates = new Map<string, Candidate>();
  private readonly reported = new Set<string>();
  /** Entries waiting for their author's binding, per author hex. */
  private readonly awaitingBinding = new Map<string, Array<{ channel: 'header' | 'frontier'; key: string | undefined; bytes: Uint8Array }>>();
  private readonly births: RequestTable<string>;
  /** Body pulls by hash; one body may be announced by several entries (same content, other authors). */
  private readonly pulls: RequestTable<{ waiting: Array<{ entry: Entry; id: string }> }>;
  private readonly gaps: RequestTable<{ author: Uint8Array; topic: string; epoch: number; fromSeq: number; toSeq: number }>;
  private readonly held = new Map<string, Map<number, Held>>();
  /** Highest seq known to exist per log epoch (from frontiers and held entries): repair continues to it. */
  private readonly targets = new Map<string, number>();
  private heldCount = 0;
  private started = false;

  constructor(o: AgentOptions) {
    this.c = o.crypto;
    this.store = o.store;
    this.secret = o.agentSecret;
    this.limits = o.limits ?? DEFAULT_LIMITS;
    this.epoch = o.epoch ?? 0;
    this.skew = o.clockSkewMs ?? 5 * 60_000;
    this.heldPerLog = o.heldPerLog ?? 64;
    this.maxHeld = o.maxHeld ?? 4096;
    const timeout = o.pullTimeoutMs ?? 2000;
    const attempts = o.maxAttempts ?? 4;
    this.births = new RequestTable(1024, timeout, attempts);
    this.pulls = new RequestTable(1024, timeout, attempts);
    this.gaps = new RequestTable(1024, timeout, attempts);
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
    this.emit({ op: 'subscribe', channel: 'direct', key: this.agentHex });
    const birth = { author: this.agentKey, epoch: this.epoch, ts: now, binding: this.bindingBytes, alive: true };
    this.emit({ op: 'publish', channel: 'birth', key: this.agentHex, retain: true, bytes: encodeBirth(birth, this.c.signer.sign(this.secret, birthToBeSigned(birth))) });
    for (const log of this.store.logs(this.agentKey)) {
      this.publishFrontier(log.topic, log.head.epoch, log.head.seq, log.head.id, now);
      this.restoreOwnInterests(log.topic, log.head.epoch, log.head.seq, now);
    }
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
    this.publishFrontier(topic, entry.epoch, entry.seq, id, now);
    this.events.push({ type: 'appended', author: this.agentHex, topic, seq: entry.seq, own: true });
    if (d.kind === 'intent') this.addInterest(idHex, { topic, tags: d.tags, text: d.text }, now);
    return { id: idHex, seq: entry.seq, bodyHash: toHex(entry.bodyHash) };
  }

  /**
   * Like announce, unless an unexpired entry with the same body is already in our log (a restarted
   * node re-reading its config must not append the same declaration again).
   */
  announceOnce(now: number, d: Declaration): { id: string; seq: number; bodyHash: string; reused: boolean } {
    const { ttlMs: _ttl, topic, ...rest } = d;
    const hash = toHex(this.c.sha256(encodeBody({ ...rest, tags: [...d.tags] })));
    const head = this.store.head(this.agentKey, topic);
    if (head) {
      for (const e of this.store.range(this.agentKey, topic, head.epoch, Math.max(1, head.seq - MAX_RANGE + 1), head.seq)) {
        if (toHex(e.bodyHash) === hash && e.expires > now) return { id: toHex(e.id), seq: e.seq, bodyHash: hash, reused: true };
      }
    }
    return { ...this.announce(now, d), reused: false };
  }

  /** Candidates we hold bodies for, ranked by semantic match (trust weighting arrives with MG-EigenTrust). */
  discover(q: DiscoverQuery): Candidate[] {
    const interest: Interest = { topic: q.topic ?? '', tags: q.tags, ...(q.text ? { text: q.text } : {}) };
    const out: Candidate[] = [];
    for (const c of this.candidates.values()) {
      if (q.topic && c.topic !== q.topic) continue;
      if ((q.minTier ?? 0) > c.verifiedTier) continue;
      const body = { kind: c.kind, tags: c.tags, text: c.text };
      if (!matches(interest, body)) continue;
      out.push({ ...c, score: matchScore(interest, body) });
    }
    out.sort((a, b) => b.score - a.score || b.ts - a.ts);
    return out.slice(0, q.limit ?? 50);
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
    const b = this.births.due(now);
    for (const p of b.retry) {
      this.emit({ op: 'unsubscribe', channel: 'birth', key: p.data }); // re-subscribing re-delivers the retained birth
      this.emit({ op: 'subscribe', channel: 'birth', key: p.data });
    }
    for (const p of b.expired) {
      const dropped = this.awaitingBinding.get(p.data)?.length ?? 0;
      this.awaitingBinding.delete(p.data);
      if (dropped > 0) this.reject('unknown_author', 'header', `${dropped} messages from ${p.data.slice(0, 12)} dropped: no binding`);
    }
    const pl = this.pulls.due(now);
    for (const p of pl.retry) this.requestBody(p.data.waiting[p.attempts % p.data.waiting.length]!.entry, p.attempts); // rotate holders
    for (const p of pl.expired) this.counters.add('pullsFailed', 1);
    const g = this.gaps.due(now);
    for (const p of g.retry) this.sendGapRequest(p.data.author, p.data.topic, p.data.epoch, p.data.fromSeq, p.data.toSeq);
    for (const p of g.expired) this.counters.add('gapRepairsFailed', 1);
  }

  // ------------------------------------------------------------------ outputs

  pollTransmit(): Outgoing | undefined {
    return this.out.shift();
  }
  pollEvent(): CoreEvent | undefined {
    return this.events.shift();
  }
  pollTimeout(): number | undefined {
    const ds = [this.births.nextDeadline(), this.pulls.nextDeadline(), this.gaps.nextDeadline()].filter((d): d is number => d !== undefined);
    return ds.length ? Math.min(...ds) : undefined;
  }

  status() {
    return {
      agent: this.agentHex,
      epoch: this.epoch,
      followed: [...this.followed].sort(),
      interests: this.interests.size,
      entries: this.store.entryCount(),
      knownAgents: this.verifier.knownAgents(),
      candidates: this.candidates.size,
      verified: { ...this.verifier.counters },
      rejected: this.counters.rejected(),
      bytes: this.counters.bytes(),
      pulls: { requested: this.counters.get('pullsRequested'), completed: this.counters.get('pullsCompleted'), failed: this.counters.get('pullsFailed') },
      gapRepairs: { requested: this.counters.get('gapRepairs'), failed: this.counters.get('gapRepairsFailed') },
      discoveries: this.counters.get('discoveries'),
      pending: { held: this.heldCount, pulls: this.pulls.size, gaps: this.gaps.size, births: this.births.size },
    };
  }

  // ------------------------------------------------------------------ receive paths

  private onEntryBytes(now: number, bytes: Uint8Array, source: Source, channelTopic?: string): void {
    const se = decodeEntry(bytes, this.limits);
    const e = se.entry;
    if (channelTopic !== undefined && channelTopic !== e.topic) return this.reject('wrong_topic', 'header', `entry for ${e.topic} on ${channelTopic}`);
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
        this.hold(se, id);
        return this.requestGap(now, e.author, e.topic, e.epoch, d.fromSeq, d.toSeq);
      case 'append':
        break;
    }
    this.store.append(this.storedOf(e, id, se.bytes));
    this.events.push({ type: 'appended', author: toHex(e.author), topic: e.topic, seq: e.seq, own: false });
    this.onAppended(now, e, id);
    const gapKey = `${this.logKey(e)}/${e.epoch}`;
    const gap = this.gaps.get(gapKey);
    if (gap && e.seq >= gap.data.toSeq) this.gaps.close(gapKey);
    const target = this.targets.get(gapKey) ?? 0;
    if (target <= e.seq) this.targets.delete(gapKey);
    else if (!this.gaps.has(gapKey) && !this.held.get(this.logKey(e))?.has(e.seq + 1)) this.requestGap(now, e.author, e.topic, e.epoch, e.seq + 1, target);
    const next = this.held.get(this.logKey(e))?.get(e.seq + 1);
    if (next && next.se.entry.epoch === e.epoch) {
      this.unhold(next.se.entry);
      this.receiveVerified(now, next.se, next.id, 'repair');
    }
  }

  private onAppended(now: number, e: Entry, id: Uint8Array): void {
    const author = toHex(e.author);
    if (author === this.agentHex) return;
    if (e.kind === 'withdraw') {
      if (this.candidates.delete(`${author}/${e.topic}`)) this.events.push({ type: 'withdrawn', author, topic: e.topic });
      return;
    }
    if (e.kind !== 'capability' || e.expires <= now) return;
    const wanted = [...this.interests.values()].some((i) => i.topic === e.topic && sketchMatches(this.c, e.sketch, i.tags));
    if (!wanted) {
      this.counters.add('bodiesSkipped', 1); // bodyless gossip at work: no interest, no pull
      return;
    }
    const have = this.store.getBody(e.bodyHash);
    if (have) return this.acceptBody(now, e, toHex(id), have);
    const key = toHex(e.bodyHash);
    const pending = this.pulls.get(key);
    if (pending) pending.data.waiting.push({ entry: e, id: toHex(id) });
    else if (this.pulls.open(key, { waiting: [{ entry: e, id: toHex(id) }] }, now)) this.requestBody(e, 1);
  }

  /** First attempt: the broker's retained copy; later attempts also ask the author directly. */
  private requestBody(e: Entry, attempt: number): void {
    const key = toHex(e.bodyHash);
    this.counters.add('pullsRequested', 1);
    if (attempt > 1) this.emit({ op: 'unsubscribe', channel: 'body', key });
    this.emit({ op: 'subscribe', channel: 'body', key });
    if (attempt > 1) this.sendDirect(toHex(e.author), { type: 'getBody', from: this.agentKey, bodyHash: e.bodyHash });
  }

  private onBody(now: number, key: string, bytes: Uint8Array): void {
    const p = this.pulls.get(key);
    if (!p) return; // not asked for (or already done): ignore, never store unrequested bodies
    const first = p.data.waiting[0]!.entry;
    if (bytes.length !== first.bodyLen || toHex(this.c.sha256(bytes)) !== key) return this.reject('body_hash_mismatch', 'body', `body for ${key.slice(0, 12)} does not match header`);
    this.pulls.close(key);
    this.emit({ op: 'unsubscribe', channel: 'body', key });
    this.counters.add('pullsCompleted', 1);
    this.store.putBody(first.bodyHash, bytes, Math.max(...p.data.waiting.map((w) => w.entry.expires)));
    for (const w of p.data.waiting) if (w.entry.bodyLen === bytes.length) this.acceptBody(now, w.entry, w.id, bytes);
  }

  private acceptBody(now: number, e: Entry, idHex: string, bytes: Uint8Array): void {
    const body = decodeBody(bytes, this.limits);
    if (body.kind !== e.kind) return this.reject('malformed', 'body', 'body kind differs from header kind');
    const author = toHex(e.author);
    const cand: Candidate = { author, topic: e.topic, kind: body.kind, tags: body.tags, text: body.text, entryId: idHex, seq: e.seq, ts: e.ts, expires: e.expires, tierOffered: e.tier, verifiedTier: 2, score: 0 };
    this.candidates.set(`${author}/${e.topic}`, cand);
    for (const [intentId, i] of this.interests) {
      if (i.topic !== e.topic || !matches(i, body)) continue;
      const k = `${intentId}/${author}`;
      if (this.reported.has(k)) continue;
      this.reported.add(k);
      this.counters.add('discoveries', 1);
      this.events.push({ type: 'discovered', intent: intentId, author, topic: e.topic, ms: Math.max(0, now - i.at), score: matchScore(i, body), tags: body.tags });
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
    this.births.close(author);
    const waiting = this.awaitingBinding.get(author) ?? [];
    this.awaitingBinding.delete(author);
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
    const head = this.store.head(f.author, f.topic);
    if (head && (f.epoch < head.epoch || (f.epoch === head.epoch && f.seq <= head.seq))) return;
    const from = head && head.epoch === f.epoch ? head.seq + 1 : 1;
    this.requestGap(now, f.author, f.topic, f.epoch, from, f.seq);
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
    let list = this.awaitingBinding.get(author);
    if (!list) {
      if (this.awaitingBinding.size >= 1024) return this.reject('unknown_author', channel, 'too many unknown authors pending');
      list = [];
      this.awaitingBinding.set(author, list);
    }
    if (list.length >= this.heldPerLog) return this.reject('unknown_author', channel, 'too many messages pending for one unknown author');
    list.push({ channel, key, bytes });
    if (this.births.open(author, author, now)) this.emit({ op: 'subscribe', channel: 'birth', key: author });
  }

  private requestGap(now: number, author: Uint8Array, topic: string, epoch: number, fromSeq: number, toSeq: number): void {
    const key = `${toHex(author)}/${topic}/${epoch}`;
    if (toSeq > (this.targets.get(key) ?? 0)) {
      if (this.targets.size >= 4096 && !this.targets.has(key)) return; // bounded: hostile frontiers cannot grow it
      this.targets.set(key, toSeq);
    }
    const to = Math.min(toSeq, fromSeq + MAX_RANGE - 1);
    if (!this.gaps.open(key, { author, topic, epoch, fromSeq, toSeq: to }, now)) return;
    this.counters.add('gapRepairs', 1);
    this.sendGapRequest(author, topic, epoch, fromSeq, to);
  }

  private sendGapRequest(author: Uint8Array, topic: string, epoch: number, fromSeq: number, toSeq: number): void {
    this.sendDirect(toHex(author), { type: 'getEntries', from: this.agentKey, author, topic, epoch, fromSeq, toSeq });
  }

  private hold(se: SignedEntry, id: Uint8Array): void {
    const k = this.logKey(se.entry);
    let m = this.held.get(k);
    if (!m) this.held.set(k, (m = new Map()));
    if (m.has(se.entry.seq) || m.size >= this.heldPerLog || this.heldCount >= this.maxHeld) return;
    m.set(se.entry.seq, { se, id });
    this.heldCount++;
  }

  private unhold(e: Entry): void {
    const k = this.logKey(e);
    const m = this.held.get(k);
    if (m?.delete(e.seq)) this.heldCount--;
    if (m && m.size === 0) this.held.delete(k);
  }

  private addInterest(intentId: string, i: Interest, now: number): void {
    this.interests.set(intentId, { ...i, at: now });
    this.follow(i.topic);
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

  private logKey(e: { author: Uint8Array; topic: string }): string {
    return `${toHex(e.author)}/${e.topic}`;
  }

  private emit(o: Outgoing): void {
    this.out.push(o);
  }

  private reject(reason: RejectReason, channel: Channel, detail: string): void {
    this.counters.reject(reason);
    this.events.push({ type: 'rejected', reason, channel, detail });
  }
}
