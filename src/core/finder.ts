// Finder: the interest side of bodyless gossip (docs/architecture.md §4-5), sans-I/O. From an appended entry to a
// discovery:
//
//   appended capability --(sketch vs our interests)--> no match: skip the body (counted)
//                                                  --> match: body in store? accept : pull by hash
//   pull attempt 1: subscribe to the broker's retained copy; attempts 2..n: also ask the author directly
//   body arrives --(SHA-256 = header's bodyHash?)--> no: body_hash_mismatch; yes: store, decode, match
//   appended withdraw --> the author's candidate in that topic is dropped
//   appended state --(sketch vs watched tags)--> no match: skip; match: pull, then a `declared` event with
//     the body (a standing interest, e.g. trust's watch on `receipt` in every followed topic)
//
// AgentCore owns verification and the logs; it calls in here once an entry is in a log.

import { toHex } from './base/bytes.js';
import { decodeBody } from './codec/body.js';
import { decodeEntry, type Entry } from './codec/entry.js';
import type { Limits } from './codec/limits.js';
import type { Counters } from './base/counters.js';
import { DecodeError, type RejectReason } from './base/errors.js';
import { DiscoveryIndex } from './gossip/discovery.js';
import { covers, type Interest } from './gossip/match.js';
import { MAX_SKETCH_BITS, sketchCovers, sketchFill, sketchMask } from './gossip/sketch.js';
import { BodyPulls } from './gossip/pulls.js';
import type { LogStore, StoredEntry } from './log/store.js';
import type { CryptoPort } from './base/ports.js';
import type { Candidate, Channel, CoreEvent, DiscoverQuery, Outgoing } from './types.js';

export interface FinderContext {
  readonly crypto: CryptoPort;
  readonly store: LogStore;
  readonly limits: Limits;
  readonly counters: Counters;
  readonly agentKey: Uint8Array;
  readonly agentHex: string;
  emit(o: Outgoing): void;
  event(e: CoreEvent): void;
  reject(reason: RejectReason, channel: Channel, detail: string): void;
  /** Sends the signed getBody of a pull's direct attempt to the entry's author. */
  askBody(now: number, author: Uint8Array, bodyHash: Uint8Array): void;
  follow(topic: string): void;
  /** We now hold a candidate of the author (gossip/birth-watch.ts listens to its births and deaths). */
  candidate(author: string): void;
}

export class Finder {
  readonly pulls: BodyPulls;
  private readonly index: DiscoveryIndex;
  private readonly x: FinderContext;
  /** Standing interests in `state` declarations by tag, in every followed topic (watch()), with the bits
   *  each tag sets in a sketch (hashed once here, not once per received entry). */
  private readonly watched = new Map<string, Uint8Array>();

  constructor(x: FinderContext, pullTimeoutMs: number, attempts: number) {
    this.x = x;
    this.index = new DiscoveryIndex(x.crypto);
    this.pulls = new BodyPulls(pullTimeoutMs, attempts);
  }

  get interestCount(): number {
    return this.index.interestCount;
  }
  hasCandidateOf(author: string): boolean {
    return this.index.hasAuthor(author);
  }
  get candidateCount(): number {
    return this.index.candidateCount;
  }

  /** Candidates we hold bodies for, ranked by semantic match. */
  discover(q: DiscoverQuery, now: number | undefined): Candidate[] {
    return this.index.discover(q, now);
  }

  /** An intent of ours: follow its topic and also match capabilities already in our logs. */
  addInterest(intentId: string, i: Interest, now: number): void {
    this.index.addInterest(intentId, i, now);
    this.x.follow(i.topic);
    this.matchStored(now, i.topic);
  }

  /** After a restart: our live intents (LogStore.live) are interests again; a body that no longer decodes is skipped. */
  restoreOwnInterests(
    live: readonly StoredEntry[],
    now: number,
    undecodable: (e: StoredEntry, detail: string) => void,
  ): void {
    for (const e of live) {
      if (e.kind !== 'intent' || e.expires <= now) continue;
      const b = this.x.store.getBody(e.bodyHash);
      if (!b) continue;
      let body;
      try {
        body = decodeBody(b, this.x.limits);
      } catch (err) {
        if (!(err instanceof DecodeError)) throw err;
        undecodable(e, err.message);
        continue;
      }
      this.addInterest(toHex(e.id), { topic: e.topic, tags: body.tags, text: body.text }, now);
    }
  }

  /**
   * A standing interest in `state` declarations carrying `tag` (e.g. `receipt`) in every followed topic:
   * their bodies are pulled (sketch first, as for capabilities) and delivered as `declared` events.
   * Unexpired state entries of others already in our store whose sketch may hold the tag are offered
   * again, each log's in order (LogStore.unexpired: found by expiry and tested against the tag's sketch
   * bits by the store, so a start decodes only the entries this interest may want, not every stored one).
   */
  watch(now: number, tag: string): void {
    if (this.watched.has(tag)) return;
    const mask = sketchMask(this.x.crypto, tag);
    this.watched.set(tag, mask);
    for (const se of this.x.store.unexpired('state', now, this.x.agentKey, mask)) {
      let e: Entry;
      try {
        e = decodeEntry(se.bytes, this.x.limits).entry;
      } catch (err) {
        if (err instanceof DecodeError) continue; // stored under laxer limits than the profile's now
        throw err;
      }
      this.onAppended(now, e, se.id);
    }
  }

  /** An entry of a peer was appended to its log in our store. */
  onAppended(now: number, e: Entry, id: Uint8Array): void {
    const author = toHex(e.author);
    if (author === this.x.agentHex) return;
    if (e.kind === 'withdraw') {
      if (this.index.withdraw(author, e.topic, e, e.key))
        this.x.event({ type: 'withdrawn', author, topic: e.topic, ...(e.key !== undefined ? { key: e.key } : {}) });
      return;
    }
    if ((e.kind === 'state' || e.kind === 'capability') && sketchFill(e.sketch) > MAX_SKETCH_BITS)
      return this.x.reject(
        'sketch_overfull',
        'header',
        `entry ${toHex(id).slice(0, 12)} by ${author.slice(0, 12)}: sketch has ${sketchFill(e.sketch)} of 256 bits set, at most ${MAX_SKETCH_BITS}`,
      );
    if (e.kind === 'state') return this.onState(now, e, id);
    if (e.kind !== 'capability' || e.expires <= now) return;
    if (!this.index.wants(e)) {
      this.x.counters.add('bodiesSkipped', 1); // bodyless gossip at work: no interest, no pull
      return;
    }
    const have = this.x.store.getBody(e.bodyHash);
    if (have) return this.acceptBody(now, e, toHex(id), have);
    if (this.pulls.want(now, { entry: e, id: toHex(id) }) === 'new') this.requestBody(now, e, 1);
  }

  private onState(now: number, e: Entry, id: Uint8Array): void {
    if (e.expires <= now || this.watched.size === 0) return;
    if (![...this.watched.values()].some((m) => sketchCovers(e.sketch, m))) {
      this.x.counters.add('bodiesSkipped', 1);
      return;
    }
    const have = this.x.store.getBody(e.bodyHash);
    if (have) return this.acceptBody(now, e, toHex(id), have);
    if (this.pulls.want(now, { entry: e, id: toHex(id) }) === 'new') this.requestBody(now, e, 1);
  }

  /** Pulls whose deadline passed: the next attempt, or failure after the last one. */
  handleTimeout(now: number): void {
    for (const p of this.pulls.due(now)) this.requestBody(now, p.entry, p.attempt);
  }

  /** A body from any holder (retained copy or a direct reply); ignored unless we are pulling it. */
  onBody(now: number, key: string, bytes: Uint8Array): void {
    const done = this.pulls.complete(key, bytes, toHex(this.x.crypto.sha256(bytes)));
    if (done === undefined) return;
    if (done === 'mismatch')
      return this.x.reject('body_hash_mismatch', 'body', `body for ${key.slice(0, 12)} does not match header`);
    this.x.emit({ op: 'unsubscribe', channel: 'body', key });
    this.x.store.putBody(done[0]!.entry.bodyHash, bytes, Math.max(...done.map((w) => w.entry.expires)));
    for (const w of done) this.acceptBody(now, w.entry, w.id, bytes);
  }

  /** First attempt: the broker's retained copy; later attempts also ask the author directly. */
  private requestBody(now: number, e: Entry, attempt: number): void {
    const key = toHex(e.bodyHash);
    this.pulls.requested++;
    if (attempt > 1) this.x.emit({ op: 'unsubscribe', channel: 'body', key });
    this.x.emit({ op: 'subscribe', channel: 'body', key });
    if (attempt > 1) this.x.askBody(now, e.author, e.bodyHash);
  }

  private acceptBody(now: number, e: Entry, idHex: string, bytes: Uint8Array): void {
    const body = decodeBody(bytes, this.x.limits);
    if (body.kind !== e.kind) return this.x.reject('malformed', 'body', 'body kind differs from header kind');
    if (e.kind === 'state') {
      if (body.tags.some((c) => [...this.watched.keys()].some((t) => covers(c, t)))) {
        this.x.event({
          type: 'declared',
          author: toHex(e.author),
          topic: e.topic,
          entryId: idHex,
          seq: e.seq,
          ts: e.ts,
          body,
        });
      }
      return;
    }
    const author = toHex(e.author);
    const found = this.index.addBody(now, e, author, idHex, body);
    if (this.index.hasAuthor(author)) this.x.candidate(author);
    for (const d of found) {
      this.x.counters.add('discoveries', 1);
      this.x.event(d);
    }
  }

  /**
   * A new interest must also see capabilities already in our logs: their bodies were skipped when no
   * interest wanted them, and no header will come again (found by the simulator, docs/simulator.md).
   * Each log's live capabilities (LogStore.live) are offered as if just appended (sketch test, then pull).
   */
  private matchStored(now: number, topic: string): void {
    for (const log of this.x.store.logs()) {
      if (log.topic !== topic || toHex(log.author) === this.x.agentHex) continue;
      // not just the head: an intent may follow the capability, and an author may hold several
      for (const se of this.x.store.live(log.author, now, topic)) {
        if (se.kind !== 'capability') continue;
        let e: Entry;
        try {
          e = decodeEntry(se.bytes, this.x.limits).entry;
        } catch (err) {
          if (err instanceof DecodeError) continue; // stored under laxer limits than the profile's now
          throw err;
        }
        this.onAppended(now, e, se.id);
      }
    }
  }
}
