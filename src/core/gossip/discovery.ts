// The discovery index (docs/architecture.md §5 discover()): our interests (from our intents), the candidates we
// hold bodies for (the latest capability per (author, topic, key): a declaration's identity, entry
// field 13), and which (intent, author) discoveries have been reported. Pure bookkeeping; the agent
// feeds it verified entries and bodies.

import { bm25, terms } from './bm25.js';
import type { Body } from '../codec/body.js';
import type { Entry } from '../codec/entry.js';
import type { Hashes } from '../base/ports.js';
import type { Candidate, CoreEvent, DiscoverQuery } from '../types.js';
import { matches, matchScore, type Interest } from './match.js';
import { sketchCovers, sketchMask } from './sketch.js';

/** A candidate's slot: its identity (author, topic, key); capabilities only, so the kind is implied. */
const slot = (author: string, topic: string, key: string) => `${author}/${topic}/${key}`;
/** Where a withdraw of the whole topic is remembered (`*` is in no key). */
const fence = (author: string, topic: string) => `${author}/${topic}/*`;

export class DiscoveryIndex {
  /** Each interest with the sketch bits of its tags (hashed once, not once per received header). */
  private readonly interests = new Map<string, Interest & { at: number; masks: readonly Uint8Array[] }>();
  private readonly candidates = new Map<string, Candidate>();
  private readonly reported = new Set<string>();
  /**
   * Newest (epoch, seq) per `author/topic/key` among candidates and keyed withdraws, and per
   * `author/topic/` for withdraws of the whole topic. Bodies are pulled in parallel and complete in any
   * order (after a broker outage, gap repair delivers a run of entries at once): an older body completing
   * late must neither replace a newer candidate nor bring back a withdrawn one (found by the
   * broker-outage test, docs/reliability.md).
   */
  private readonly latest = new Map<string, { epoch: number; seq: number }>();

  constructor(private readonly h: Hashes) {}

  get interestCount(): number {
    return this.interests.size;
  }
  get candidateCount(): number {
    return this.candidates.size;
  }

  /** Do we hold a candidate of the author (in any topic)? */
  hasAuthor(author: string): boolean {
    for (const k of this.candidates.keys()) if (k.startsWith(`${author}/`)) return true;
    return false;
  }

  addInterest(intentId: string, i: Interest, now: number): void {
    this.interests.set(intentId, { ...i, at: now, masks: i.tags.map((t) => sketchMask(this.h, t)) });
  }

  /** Does any interest in the entry's topic possibly match its sketch (so the body is worth a pull)? */
  wants(e: Entry): boolean {
    for (const i of this.interests.values())
      if (i.topic === e.topic && i.masks.length > 0 && i.masks.every((m) => sketchCovers(e.sketch, m))) return true;
    return false;
  }

  /**
   * Drops the author's candidates with `key` in the topic, or all of them without a key; `at` (the
   * withdraw entry) also fences off older bodies still being pulled.
   */
  withdraw(
    author: string,
    topic: string,
    at?: { readonly epoch: number; readonly seq: number },
    key?: string,
  ): boolean {
    const k = key === undefined ? fence(author, topic) : slot(author, topic, key);
    if (at && this.isNewer(author, topic, k, at)) this.latest.set(k, { epoch: at.epoch, seq: at.seq });
    if (key !== undefined) return this.candidates.delete(k);
    let any = false;
    const prefix = slot(author, topic, '');
    for (const c of [...this.candidates.keys()]) if (c.startsWith(prefix)) any = this.candidates.delete(c) || any;
    return any;
  }

  /** Is `at` newer than what the slot `k`, and the topic's last whole-topic withdraw, have seen? */
  private isNewer(author: string, topic: string, k: string, at: { readonly epoch: number; readonly seq: number }) {
    const after = (l: { epoch: number; seq: number } | undefined) =>
      !l || at.epoch > l.epoch || (at.epoch === l.epoch && at.seq > l.seq);
    return after(this.latest.get(k)) && after(this.latest.get(fence(author, topic)));
  }

  /** Records a verified body as a candidate; returns the discoveries it completes (each reported once). */
  addBody(
    now: number,
    e: Entry,
    author: string,
    entryId: string,
    body: Body,
  ): Array<Extract<CoreEvent, { type: 'discovered' }>> {
    const k = slot(author, e.topic, e.key ?? '');
    if (!this.isNewer(author, e.topic, k, e) && this.candidates.get(k)?.entryId !== entryId) return []; // superseded while its body was in flight
    this.latest.set(k, { epoch: e.epoch, seq: e.seq });
    // A newer epoch starts the author's log again: what it declared in older epochs is not live.
    const prefix = slot(author, e.topic, '');
    for (const c of [...this.candidates.keys()])
      if (c.startsWith(prefix) && c !== k && (this.latest.get(c)?.epoch ?? e.epoch) < e.epoch)
        this.candidates.delete(c);
    this.candidates.set(k, {
      author,
      topic: e.topic,
      ...(e.key !== undefined ? { key: e.key } : {}),
      kind: body.kind,
      tags: body.tags,
      text: body.text,
      entryId,
      seq: e.seq,
      ts: e.ts,
      expires: e.expires,
      tierOffered: e.tier,
      verifiedTier: 2,
      score: 0,
    });
    const out: Array<Extract<CoreEvent, { type: 'discovered' }>> = [];
    for (const [intent, i] of this.interests) {
      if (i.topic !== e.topic || !matches(i, body)) continue;
      const k = `${intent}/${author}`;
      if (this.reported.has(k)) continue;
      this.reported.add(k);
      out.push({
        type: 'discovered',
        intent,
        author,
        topic: e.topic,
        ms: Math.max(0, now - i.at),
        score: matchScore(i, body),
        tags: body.tags,
      });
    }
    return out;
  }

  /** Candidates matching the query, best first (trust weighting arrives with MG-EigenTrust). A query without tags
   *  ranks by its text alone (BM25 over text and tags, bm25.ts); candidates no query word occurs in are left out. */
  discover(q: DiscoverQuery, now?: number): Candidate[] {
    if (q.tags.length === 0) {
      const pool = [...this.candidates.values()].filter(
        (c) =>
          (!q.topic || c.topic === q.topic) &&
          (q.minTier ?? 0) <= c.verifiedTier &&
          (now === undefined || c.expires > now),
      );
      const scores = bm25(q.text ?? '', pool.map(terms));
      return pool
        .map((c, i) => ({ ...c, score: scores[i]! }))
        .filter((c) => c.score > 0 || q.keepUnmatched)
        .sort((a, b) => b.score - a.score || b.ts - a.ts)
        .slice(0, q.limit ?? 50);
    }
    const interest: Interest = { topic: q.topic ?? '', tags: q.tags, ...(q.text ? { text: q.text } : {}) };
    const out: Candidate[] = [];
    for (const c of this.candidates.values()) {
      if (q.topic && c.topic !== q.topic) continue;
      if ((q.minTier ?? 0) > c.verifiedTier) continue;
      if (now !== undefined && c.expires <= now) continue;
      const body = { kind: c.kind, tags: c.tags, text: c.text };
      if (!matches(interest, body)) continue;
      out.push({ ...c, score: matchScore(interest, body) });
    }
    out.sort((a, b) => b.score - a.score || b.ts - a.ts);
    return out.slice(0, q.limit ?? 50);
  }
}
