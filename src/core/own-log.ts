// OwnLog: the writing side of an agent (docs/architecture.md §4-5), sans-I/O. It owns this agent's logs, its
// birth/death messages and its signed frontiers; AgentCore owns the receiving side.
//
// Rules (no self-fork, docs/architecture.md §4):
//   - an entry is stored before anything about it is emitted, so an entry peers may have seen is
//     always in our log and a restarted node resumes at head.seq + 1;
//   - ts never goes back within a log (max(now, previous ts));
//   - the frontier of a log is signed once per batch of appends, when the output is next flushed; with
//     `frontierEveryMs`, at most once per that many ms per log: a head that changes sooner waits for the next
//     heartbeat round and goes out then, signed once for however many appends it covers (the live header already
//     told the followers; the frontier is for the ones that lost it and for later subscribers, and a stream of
//     entries needs not cost a second signed message each, docs/devices.md "Ingest");
//   - a retained frontier expires with the log's head entry (MQTT 5 Message Expiry): a log whose head
//     has expired offers nothing current, and new followers of the topic need not fetch its author's
//     birth and entries (docs/simulator.md finding 4, docs/decisions.md). A new head publishes again;
//   - nothing is signed that the decoders would refuse: a declaration is checked against its request
//     table (core/api/requests.ts) and the encoded body and entry are decoded again before signing is
//     final; a refusal is a FieldError naming the field (docs/decisions.md "One source for limits").
//   - a declaration's key (its identity with topic and kind) defaults to its first tag.

import { equalBytes, toHex } from './base/bytes.js';
import { decodeBody, encodeBody, type Body } from './codec/body.js';
import { decodeEntry, encodeEntry, entryToBeSigned, type Entry } from './codec/entry.js';
import type { Limits } from './codec/limits.js';
import { ANY_DECLARATION, DEFAULT_TTL_MS, validate } from './api/requests.js';
import { FieldError } from './codec/schema.js';
import { DecodeError } from './base/errors.js';
import {
  birthToBeSigned,
  encodeBirth,
  encodeFrontier,
  frontierToBeSigned,
  MAX_RANGE,
  type Birth,
  type Frontier,
} from './codec/messages.js';
import type { Counters } from './base/counters.js';
import { makeSketch } from './gossip/sketch.js';
import type { LogStore, StoredEntry } from './log/store.js';
import type { CryptoPort } from './base/ports.js';
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
  /** A retained path of ours found replaced is published again at most once per this many ms (checkOwnPath). */
  readonly restoreEveryMs?: number;
  /**
   * A log's frontier goes out at once when its last one went out at least this many ms before, else at the next
   * heartbeat round (`flushPending`); absent: at once, every flush. Needs a heartbeat.
   */
  readonly frontierEveryMs?: number;
}

type Head = { epoch: number; seq: number; id: Uint8Array; now: number; expires: number };

type OwnRetained = { channel: 'birth' | 'frontier'; key: string; bytes: Uint8Array; expires: number };

export class OwnLog {
  /** Birth time of this incarnation: births and the Will carry it, so they order against the next one. */
  bornAt = 0;
  private readonly o: OwnLogOptions;
  private readonly agentHex: string;
  private readonly dirty = new Map<string, Head>();
  /** Heads whose frontier waits for the next heartbeat round (frontierEveryMs), by topic. */
  private readonly pending = new Map<string, Head>();
  /** When each log's frontier last went out (frontierEveryMs), by topic: one entry per own log. */
  private readonly frontierAt = new Map<string, number>();
  /** Signed frontiers that changed recently, with the heartbeat rounds left to send them again. */
  private readonly changed = new Map<string, { bytes: Uint8Array; left: number; expires: number }>();
  /** What we last published on each of our retained paths (`birth/{self}`, `frontier/{topic}/{self}`). */
  private readonly published = new Map<string, OwnRetained>();
  /** Paths found replaced, and when each was last published again (one entry per own path: bounded). */
  private readonly restoredAt = new Map<string, number>();
  /** Paths found replaced again within restoreEveryMs: published at the next heartbeat (restoreDue). */
  private readonly toRestore = new Set<string>();

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
    const bytes = this.birthBytes(true);
    this.published.set(`birth/${this.agentHex}`, { channel: 'birth', key: this.agentHex, bytes, expires: Infinity });
    this.o.emit({ op: 'publish', channel: 'birth', key: this.agentHex, retain: true, bytes });
  }

  /**
   * A retained message found on one of our own paths. Anything but what we last published there (garbage,
   * another's data, an older message of ours) would hide our birth or log head from every node that
   * subscribes later, so ours is published again: at once, or at the next heartbeat when this path was
   * restored less than `restoreEveryMs` ago (a publisher replacing it in a loop gets one publish per
   * interval). A path we have nothing current for (a log whose head expired) is left alone: it hides nothing.
   * True when the message was not ours.
   */
  checkOwnPath(now: number, channel: 'birth' | 'frontier', key: string, bytes: Uint8Array): boolean {
    const path = `${channel}/${key}`;
    const mine = this.published.get(path);
    if (!mine || mine.expires <= now || equalBytes(mine.bytes, bytes)) return false;
    const last = this.restoredAt.get(path);
    if (last !== undefined && now - last < (this.o.restoreEveryMs ?? 1000)) this.toRestore.add(path);
    else this.restore(now, path, mine);
    return true;
  }

  /** Whether the next heartbeat round has work here: changed frontiers to repeat or paths to restore. */
  heartbeatWork(): boolean {
    return this.changed.size > 0 || this.toRestore.size > 0 || this.pending.size > 0;
  }

  /** Heartbeat: the paths found replaced again since their last restore. */
  restoreDue(now: number): void {
    for (const path of this.toRestore) {
      const mine = this.published.get(path);
      if (mine && mine.expires > now) this.restore(now, path, mine);
    }
    this.toRestore.clear();
  }

  private restore(now: number, path: string, m: OwnRetained): void {
    this.restoredAt.set(path, now);
    this.o.emit({
      op: 'publish',
      channel: m.channel,
      key: m.key,
      bytes: m.bytes,
      retain: true,
      ...(m.expires !== Infinity ? { expiryMs: m.expires - now } : {}),
    });
  }

  /**
   * Validates, signs, stores (body and entry in one transaction) and emits header and body. Throws a
   * FieldError (nothing signed, nothing stored) for a declaration the decoders would refuse.
   */
  append(now: number, d: Declaration): Appended {
    const { crypto: c, store, limits } = this.o;
    validate(ANY_DECLARATION, d, limits);
    const { ttlMs = DEFAULT_TTL_MS, topic, key: given, ...rest } = d;
    const key = declarationKey(d);
    const body: Body = { ...rest, tags: [...d.tags] };
    const bodyBytes = encodeBody(body);
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
      ...(key !== undefined ? { key } : {}),
    };
    const bytes = encodeEntry(entry, c.signer.sign(this.o.secret, entryToBeSigned(entry)));
    readable(bodyBytes, bytes, limits, given !== undefined);
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
    return { entry, id, idHex: toHex(id), bodyHash: toHex(entry.bodyHash) };
  }

  /**
   * Our live declaration with the same identity (topic, kind, key) and the same body, unexpired: the
   * declaration is already current (a restarted node re-reading its config must not append it again).
   */
  findCurrent(now: number, d: Declaration): { id: string; seq: number; bodyHash: string } | undefined {
    const { ttlMs: _ttl, topic, key: _key, ...rest } = d;
    const key = declarationKey(d);
    const e = this.o.store.liveOne(this.o.agentKey, topic, d.kind, key, now);
    if (!e) return undefined;
    const hash = this.o.crypto.sha256(encodeBody({ ...rest, tags: [...d.tags] }));
    return equalBytes(e.bodyHash, hash) ? { id: toHex(e.id), seq: e.seq, bodyHash: toHex(hash) } : undefined;
  }

  /** Our live declarations (LogStore.live), in every topic or one. */
  live(now: number, topic?: string): StoredEntry[] {
    return this.o.store.live(this.o.agentKey, now, topic);
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
    const every = this.o.frontierEveryMs;
    for (const [topic, f] of this.dirty) {
      const last = this.frontierAt.get(topic);
      if (every !== undefined && last !== undefined && f.now - last < every) this.pending.set(topic, f);
      else this.publishFrontier(topic, f.epoch, f.seq, f.id, f.now, f.expires, true);
    }
    this.dirty.clear();
  }

  /** Heartbeat round: the frontiers held back by `frontierEveryMs` go out, each signed at `now`. */
  flushPending(now: number): void {
    for (const [topic, f] of this.pending) this.publishFrontier(topic, f.epoch, f.seq, f.id, now, f.expires, true);
    this.pending.clear();
  }

  /**
   * Heartbeat round: the frontiers that changed in the last rounds go out again (anti-entropy that
   * sends only changed entries); each is sent `frontierRepeats` more times, then left to the retained copy.
   */
  repeatChanged(now: number): void {
    for (const [topic, c] of this.changed) {
      // a newer head of this log goes out in this round anyway (flushPending)
      if (c.expires > now && !this.pending.has(topic))
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
  }

  /** Frontiers of all our logs (start, republish, periodic refresh). */
  publishAllFrontiers(now: number): void {
    for (const log of this.o.store.logs(this.o.agentKey)) {
      const head = this.o.store.get(this.o.agentKey, log.topic, log.head.epoch, log.head.seq);
      if (head) this.publishFrontier(log.topic, log.head.epoch, log.head.seq, log.head.id, now, head.expires);
    }
  }

  /** Births, frontiers and the bodies of our live and recent unexpired entries, for a broker that lost them. */
  republish(now: number): void {
    this.publishBirth();
    this.publishAllFrontiers(now);
    const seen = new Set<string>();
    for (const e of [...this.live(now), ...this.topics().flatMap((t) => this.recent(t))]) {
      const id = toHex(e.id);
      if (seen.has(id) || e.expires <= now) continue;
      seen.add(id);
      const body = this.o.store.getBody(e.bodyHash);
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
    const key = `${topic}/${this.agentHex}`;
    this.pending.delete(topic);
    if (this.o.frontierEveryMs !== undefined) this.frontierAt.set(topic, now);
    this.published.set(`frontier/${key}`, { channel: 'frontier', key, bytes, expires });
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

/**
 * The key of a declaration: the one given, else its first tag (a withdraw's key is only ever given: without
 * one it retires the whole topic). Undefined: the topic's keyless declaration of that kind.
 */
export function declarationKey(d: Pick<Declaration, 'kind' | 'key' | 'tags'>): string | undefined {
  return d.key ?? (d.kind === 'withdraw' ? undefined : d.tags[0]);
}

/** Never sign what the decoders refuse: the body and the entry are decoded again before they are stored. */
function readable(body: Uint8Array, entry: Uint8Array, limits: Limits, keyGiven: boolean): void {
  try {
    decodeBody(body, limits);
    decodeEntry(entry, limits);
  } catch (e) {
    if (!(e instanceof DecodeError)) throw e;
    const field = e.field ?? (e.code === 'TOO_LARGE' ? (keyGiven ? 'key' : 'topic') : 'body');
    throw new FieldError(field, `would not decode (${e.message})`);
  }
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
    ...(e.key !== undefined ? { key: e.key } : {}),
    ...(e.kind === 'state' || e.kind === 'capability' ? { sketch: e.sketch } : {}),
  };
}
