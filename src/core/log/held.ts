// Out-of-order entries held while a gap in their log is repaired (DESIGN §4: held in a bounded
// buffer). Bounded per log and overall, so a peer announcing far-future seqs cannot grow memory.

import { toHex } from '../bytes.js';
import type { Entry, SignedEntry } from '../codec/entry.js';

export interface Held {
  readonly se: SignedEntry;
  readonly id: Uint8Array;
}

export const logKeyOf = (e: { author: Uint8Array; topic: string }): string => `${toHex(e.author)}/${e.topic}`;

export class HeldEntries {
  private readonly byLog = new Map<string, Map<number, Held>>();
  private count = 0;

  constructor(
    readonly perLog: number,
    readonly max: number,
  ) {}

  get size(): number {
    return this.count;
  }

  /** False when full (the entry is dropped; repair fetches it again later). */
  hold(se: SignedEntry, id: Uint8Array): boolean {
    const k = logKeyOf(se.entry);
    let m = this.byLog.get(k);
    if (!m) this.byLog.set(k, (m = new Map()));
    if (m.has(se.entry.seq)) return true;
    if (m.size >= this.perLog || this.count >= this.max) return false;
    m.set(se.entry.seq, { se, id });
    this.count++;
    return true;
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
    m!.delete(seq);
    this.count--;
    if (m!.size === 0) this.byLog.delete(k);
    return h;
  }
}
