// Out-of-order entries held while a gap in their log is repaired (docs/architecture.md §4: held in a bounded
// buffer). Bounded per log and overall, so a peer announcing far-future seqs cannot grow memory, and
// in time: an entry is dropped when the repair of its log epoch fails (AgentCore.handleTimeout) and in
// any case `maxAgeMs` after it was held (a repair that was never opened, or one that keeps advancing too
// slowly). A dropped entry is not lost: the log's frontier names it again and gap repair fetches it.

import { toHex } from '../base/bytes.js';
import type { Entry, SignedEntry } from '../codec/entry.js';

export interface Held {
  readonly se: SignedEntry;
  readonly id: Uint8Array;
  /** When it was held (ms). */
  readonly at: number;
}

export const logKeyOf = (e: { author: Uint8Array; topic: string }): string => `${toHex(e.author)}/${e.topic}`;

export class HeldEntries {
  private readonly byLog = new Map<string, Map<number, Held>>();
  /** `{log}/{seq}` -> when held, in insertion (= time) order: the oldest first. */
  private readonly order = new Map<string, number>();
  private count = 0;

  constructor(
    readonly perLog: number,
    readonly max: number,
    /** How long an entry may stay held, ms. */
    readonly maxAgeMs = Infinity,
  ) {}

  get size(): number {
    return this.count;
  }

  /** False when full (the entry is dropped; repair fetches it again later). */
  hold(se: SignedEntry, id: Uint8Array, now = 0): boolean {
    const k = logKeyOf(se.entry);
    let m = this.byLog.get(k);
    if (m?.has(se.entry.seq)) return true;
    if ((m?.size ?? 0) >= this.perLog || this.count >= this.max) return false;
    if (!m) this.byLog.set(k, (m = new Map()));
    m.set(se.entry.seq, { se, id, at: now });
    this.order.set(`${k}/${se.entry.seq}`, now);
    this.count++;
    return true;
  }

  /** When the oldest held entry expires (pollTimeout). */
  nextDeadline(): number | undefined {
    if (this.maxAgeMs === Infinity) return undefined;
    for (const at of this.order.values()) return at + this.maxAgeMs;
    return undefined;
  }

  /** Drops the entries held longer than `maxAgeMs`; returns how many. */
  expire(now: number): number {
    let n = 0;
    for (const [ks, at] of this.order) {
      if (at + this.maxAgeMs > now) break;
      const cut = ks.lastIndexOf('/');
      n += this.remove(ks.slice(0, cut), Number(ks.slice(cut + 1)));
    }
    return n;
  }

  /** Drops every entry held for a log epoch (its gap repair failed); returns how many. */
  dropLog(author: Uint8Array, topic: string, epoch: number): number {
    const k = logKeyOf({ author, topic });
    let n = 0;
    for (const [seq, h] of [...(this.byLog.get(k) ?? [])]) if (h.se.entry.epoch === epoch) n += this.remove(k, seq);
    return n;
  }

  private remove(k: string, seq: number): number {
    this.order.delete(`${k}/${seq}`);
    const m = this.byLog.get(k);
    if (!m?.delete(seq)) return 0;
    this.count--;
    if (m.size === 0) this.byLog.delete(k);
    return 1;
  }

  has(e: Entry, seq: number): boolean {
    return this.byLog.get(logKeyOf(e))?.has(seq) ?? false;
  }

  /** Removes and returns the held entry at `seq` of e's log in e's epoch, if any. */
  take(e: Entry, seq: number): Held | undefined {
    const k = logKeyOf(e);
    const m = this.byLog.get(k);
    const h = m?.get(seq);
    if (!h || h.se.entry.epoch !== e.epoch) return undefined;
    this.remove(k, seq);
    return h;
  }
}
