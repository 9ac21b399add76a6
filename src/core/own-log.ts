// OwnLog: the writing side of an agent (DESIGN §4-5), sans-I/O. It owns this agent's logs, its
// birth/death messages and its signed frontiers; AgentCore owns the receiving side.
//
// Rules (no self-fork, DESIGN §4):
//   - an entry is stored before anything about it is emitted, so an entry peers may have seen is
//     always in our log and a restarted node resumes at head.seq + 1;
//   - ts never goes back within a log (max(now, previous ts));
//   - the frontier of a log is signed once per batch of appends, when the output is next flushed;
//   - a retained frontier expires with the log's head entry (MQTT 5 Message Expiry): a log whose head
//     has expired offers nothing current, and new followers of the topic need not fetch its author's
//     birth and entries (docs/simulator.md finding 4, docs/decisions.md). A new head publishes again.

import { toHex } from './bytes.js';
import { encodeBody, type Body } from './codec/body.js';
import { encodeEntry, entryToBeSigned, type Entry } from './codec/entry.js';
import { TAG_RE, TOPIC_RE, type Limits } from './codec/limits.js';
import {
  birthToBeSigned,
  encodeBirth,
  encodeFrontier,
  frontierToBeSigned,
  MAX_RANGE,
  type Birth,
  type Frontier,
} from './codec/messages.js';
import type { Counters } from './counters.js';
import { makeSketch } from './gossip/sketch.js';
import type { LogStore, StoredEntry } from './log/store.js';
import type { CryptoPort } from './ports.js';
import type { Declaration, Outgoing } from './types.js';

export interface Appended {
  readonly entry: Entry;
  readonly id: Uint8Array;
  readonly idHex: string;
  readonly bodyHash: string;
}

export interface OwnLogOptions {
  readonly crypto: CryptoPort;
  readonly store: LogStore;
  readonly secret: Uint8Array;
  readonly agentKey: Uint8Array;
  readonly binding: Uint8Array;
  readonly epoch: number;
  readonly limits: Limits;
  readonly counters: Counters;
  readonly emit: (o: Outgoing) => void;
  /** The operator-signed continuation record of `epoch` (epoch > 0), carried in every birth. */
  readonly continuation?: Uint8Array;
  /** Heartbeat rounds in which a changed frontier is sent again (gossip/heartbeat.ts). */
  readonly frontierRepeats?: number;
}

export class OwnLog {
  /** Birth time of this incarnation: births and the Will carry it, so they order against the next one. */
  bornAt = 0;
  private readonly o: OwnLogOptions;
  private readonly agentHex: string;
  private readonly dirty = new Map<
    string,
    { epoch: number; seq: number; id: Uint8Array; now: number; expires: number }
  >();
  /** Signed frontiers that changed recently, with the heartbeat rounds left to send them again. */
  private readonly changed = new Map<string, { bytes: Uint8Array; left: number; expires: number }>();
  /**
   * Per topic: body hash -> our entry with that body since the last withdraw (what findCurrent asks),
   * loaded from the store on first use and kept in step with appends, so an API append does not read
   * back the log. Dropped whenever a write may have rolled back (discardDirty).
   */
  private readonly current = new Map<string, Map<string, { id: string; seq: number; expires: number }>>();

  constructor(o: OwnLogOptions) {
    this.o = o;
    this.agentHex = toHex(o.agentKey);
  }

  /**
   * A signed birth (alive: carries the binding) or death (the Will: names the binding by hash), stamped
   * with `ts` (default: this incarnation's birth).
   */
  birthBytes(alive: boolean, ts = this.bornAt): Uint8Array {
    const common = {
      author: this.o.agentKey,
      epoch: this.o.epoch,
      ts,
      ...(this.o.continuation ? { continuation: this.o.continuation } : {}),
    };
    const b: Birth = alive
      ? { ...common, alive, binding: this.o.binding }
      : { ...common, alive, bindingHash: this.o.crypto.sha256(this.o.binding) };
    return encodeBirth(b, this.o.crypto.signer.sign(this.o.secret, birthToBeSigned(b)));
  }

  publishBirth(): void {
    this.o.emit({ op: 'publish', channel: 'birth', key: this.agentHex, retain: true, bytes: this.birthBytes(true) });
  }

  /** Validates, signs, stores (body and entry in one transaction) and emits header and body. */
  append(now: number, d: Declaration): Appended {
    const { crypto: c, store, limits } = this.o;
    if (!TOPIC_RE.test(d.topic)) throw new TypeError(`announce: invalid topic ${JSON.stringify(d.topic)}`);
    for (const t of d.tags)
      if (!TAG_RE.test(t) || t.length > limits.tagBytes)
        throw new TypeError(`announce: invalid tag ${JSON.stringify(t)}`);
    const { ttlMs = 24 * 3600_000, topic, ...rest } = d;
    const body: Body = { ...rest, tags: [...d.tags] };
    const bodyBytes = encodeBody(body);
    if (bodyBytes.length > limits.bodyBytes)
      throw new RangeError(`announce: body of ${bodyBytes.length} bytes exceeds ${limits.bodyBytes}`);
    const head = store.head(this.o.agentKey, topic);
    const continuing = head && head.epoch === this.o.epoch;
    const entry: Entry = {
      author: this.o.agentKey,
      topic,
      epoch: this.o.epoch,
      seq: continuing ? head.seq + 1 : 1,
      ...(continuing ? { prev: head.id } : {}),
      kind: d.kind,
      ts: Math.max(now, continuing ? head.ts : 0),
      expires: now + ttlMs,
      bodyHash: c.sha256(bodyBytes),
      bodyLen: bodyBytes.length,
      sketch: makeSketch(c, d.tags),
      tier: 2,
    };
    const bytes = encodeEntry(entry, c.signer.sign(this.o.secret, entryToBeSigned(entry)));
    if (bytes.length > limits.headerBytes)
      throw new RangeError(`announce: header of ${bytes.length} bytes exceeds ${limits.headerBytes}`);
    const id = c.sha256(bytes);
    store.transaction(() => {
      store.append(storedOf(entry, id, bytes));
      store.putBody(entry.bodyHash, bodyBytes, entry.expires);
    });
    this.o.emit({
      op: 'publish',
      channel: 'body',
      key: toHex(entry.bodyHash),
      bytes: bodyBytes,
      retain: true,
      expiryMs: ttlMs,
    });
    this.o.emit({ op: 'publish', channel: 'header', key: topic, bytes, retain: false });
    this.o.counters.add('headerBytesOut', bytes.length);
    this.o.counters.add('bodyBytesOut', bodyBytes.length);
    this.dirty.set(topic, { epoch: entry.epoch, seq: entry.seq, id, now, expires: entry.expires });
    const a = { entry, id, idHex: toHex(id), bodyHash: toHex(entry.bodyHash) };
    const cur = this.current.get(topic);
    if (cur) remember(cur, entry.kind, a.bodyHash, { id: a.idHex, seq: entry.seq, expires: entry.expires });
    return a;
  }

  /**
   * An unexpired entry of ours with the same body, not withdrawn since (newest first, stopping at a
   * withdraw: a declaration withdrawn since must be announced again).
   */
  findCurrent(now: number, d: Declaration): { id: string; seq: number; bodyHash: string } | undefined {
    const { ttlMs: _ttl, topic, ...rest } = d;
    const hash = toHex(this.o.crypto.sha256(encodeBody({ ...rest, tags: [...d.tags] })));
    let cur = this.current.get(topic);
    if (!cur) {
      this.current.set(topic, (cur = new Map()));
      for (const e of this.recent(topic))
        remember(cur, e.kind, toHex(e.bodyHash), { id: toHex(e.id), seq: e.seq, expires: e.expires });
    }
    const x = cur.get(hash);
    return x && x.expires > now ? { id: x.id, seq: x.seq, bodyHash: hash } : undefined;
  }

  /** The last MAX_RANGE entries of our log of `topic`, oldest first. */
  recent(topic: string): StoredEntry[] {
    const head = this.o.store.head(this.o.agentKey, topic);
    if (!head) return [];
    return this.o.store.range(this.o.agentKey, topic, head.epoch, Math.max(1, head.seq - MAX_RANGE + 1), head.seq);
  }

  /** Topics of our own logs. */
  topics(): string[] {
    return this.o.store.logs(this.o.agentKey).map((l) => l.topic);
  }

  /** Signs the frontier of every log appended to since the last flush. */
  flushFrontiers(): void {
    for (const [topic, f] of this.dirty) this.publishFrontier(topic, f.epoch, f.seq, f.id, f.now, f.expires, true);
    this.dirty.clear();
  }

  /**
   * Heartbeat round: the frontiers that changed in the last rounds go out again (anti-entropy that
   * sends only changed entries); each is sent `frontierRepeats` more times, then left to the retained copy.
   */
  repeatChanged(now: number): void {
    for (const [topic, c] of this.changed) {
      if (c.expires > now)
        this.o.emit({
          op: 'publish',
          channel: 'frontier',
          key: `${topic}/${this.agentHex}`,
          bytes: c.bytes,
          retain: true,
          expiryMs: c.expires - now,
        });
      if (--c.left <= 0 || c.expires <= now) this.changed.delete(topic);
    }
  }

  /** After a rolled-back transaction: forget what may not have been written. */
  discardDirty(): void {
    this.dirty.clear();
    this.current.clear();
  }

  /** Frontiers of all our logs (start, republish, periodic refresh). */
  publishAllFrontiers(now: number): void {
    for (const log of this.o.store.logs(this.o.agentKey)) {
      const head = this.o.store.get(this.o.agentKey, log.topic, log.head.epoch, log.head.seq);
      if (head) this.publishFrontier(log.topic, log.head.epoch, log.head.seq, log.head.id, now, head.expires);
    }
  }

  /** Births, frontiers and the bodies of unexpired recent entries, for a broker that lost them. */
  republish(now: number): void {
    this.publishBirth();
    this.publishAllFrontiers(now);
    for (const topic of this.topics()) {
      for (const e of this.recent(topic)) {
        const body = e.expires > now ? this.o.store.getBody(e.bodyHash) : undefined;
        if (body)
          this.o.emit({
            op: 'publish',
            channel: 'body',
            key: toHex(e.bodyHash),
            bytes: body,
            retain: true,
            expiryMs: e.expires - now,
          });
      }
    }
  }

  /** `changed`: a new head (repeated in the next heartbeat rounds); a start or republish is not a change. */
  private publishFrontier(
    topic: string,
    epoch: number,
    seq: number,
    id: Uint8Array,
    now: number,
    expires: number,
    changed = false,
  ): void {
    if (expires <= now) return; // nothing current in this log: its retained frontier has expired too
    const f: Frontier = { author: this.o.agentKey, topic, epoch, seq, id, ts: now };
    const bytes = encodeFrontier(f, this.o.crypto.signer.sign(this.o.secret, frontierToBeSigned(f)));
    this.o.emit({
      op: 'publish',
      channel: 'frontier',
      key: `${topic}/${this.agentHex}`,
      bytes,
      retain: true,
      expiryMs: expires - now,
    });
    if (changed && this.o.frontierRepeats) this.changed.set(topic, { bytes, left: this.o.frontierRepeats, expires });
  }
}

/** Bodies announced since the last withdraw of a topic, newest kept, at most MAX_RANGE. */
function remember(
  cur: Map<string, { id: string; seq: number; expires: number }>,
  kind: string,
  hash: string,
  x: { id: string; seq: number; expires: number },
): void {
  if (kind === 'withdraw') return cur.clear();
  cur.delete(hash);
  cur.set(hash, x);
  if (cur.size > MAX_RANGE) cur.delete(cur.keys().next().value!);
}

export function storedOf(e: Entry, id: Uint8Array, bytes: Uint8Array): StoredEntry {
  return {
    id,
    author: e.author,
    topic: e.topic,
    epoch: e.epoch,
    seq: e.seq,
    kind: e.kind,
    ts: e.ts,
    expires: e.expires,
    bodyHash: e.bodyHash,
    bytes,
  };
}
