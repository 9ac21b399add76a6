// Gap repair of sequential logs (docs/architecture.md §4-5): which ranges to ask an author for, and when.
//
// A gap is known from a held out-of-order entry or from a frontier naming a later seq. Per log epoch we
// keep the highest seq known to exist (the target) and at most one outstanding request of at most
// MAX_RANGE entries; when an append reaches the end of the outstanding range and the log is still
// behind its target, the next range is requested. Requests time out and are retried by the caller; a
// request out of attempts fails: its target is forgotten (a later frontier or held entry names it again)
// and the caller drops what it held for that log epoch (`takeFailed`).

import { toHex } from '../base/bytes.js';
import { MAX_RANGE } from '../codec/messages.js';
import { RequestTable, type Pending } from './requests.js';

export interface Range {
  readonly author: Uint8Array;
  readonly topic: string;
  readonly epoch: number;
  readonly fromSeq: number;
  readonly toSeq: number;
}

export class GapRepair {
  private readonly open: RequestTable<Range>;
  private readonly targets = new Map<string, number>();
  /** Ranges whose request failed since the last takeFailed(). */
  private failedRanges: Range[] = [];
  requested = 0;
  failed = 0;

  constructor(
    timeoutMs: number,
    attempts: number,
    private readonly maxLogs = 4096,
  ) {
    this.open = new RequestTable(1024, timeoutMs, attempts);
  }

  get size(): number {
    return this.open.size;
  }

  nextDeadline(): number | undefined {
    return this.open.nextDeadline();
  }

  /** Notes that fromSeq..toSeq is missing; returns the range to request now, if any. */
  need(
    now: number,
    author: Uint8Array,
    topic: string,
    epoch: number,
    fromSeq: number,
    toSeq: number,
  ): Range | undefined {
    const key = `${toHex(author)}/${topic}/${epoch}`;
    if (toSeq > (this.targets.get(key) ?? 0)) {
      if (this.targets.size >= this.maxLogs && !this.targets.has(key)) return undefined; // bounded against hostile frontiers
      this.targets.set(key, toSeq);
    }
    const r: Range = { author, topic, epoch, fromSeq, toSeq: Math.min(toSeq, fromSeq + MAX_RANGE - 1) };
    if (!this.open.open(key, r, now)) return undefined;
    this.requested++;
    return r;
  }

  /**
   * After seq of a log epoch was appended: closes a satisfied request and returns the next range to ask
   * for when the log is still behind its target (unless the next entry is already held locally).
   */
  appended(
    now: number,
    author: Uint8Array,
    topic: string,
    epoch: number,
    seq: number,
    nextHeld: boolean,
  ): Range | undefined {
    const key = `${toHex(author)}/${topic}/${epoch}`;
    const cur = this.open.get(key);
    if (cur && seq >= cur.data.toSeq) this.open.close(key);
    const target = this.targets.get(key) ?? 0;
    if (target <= seq) {
      this.targets.delete(key);
      return undefined;
    }
    if (this.open.has(key) || nextHeld) return undefined;
    return this.need(now, author, topic, epoch, seq + 1, target);
  }

  /** Requests to send again; expired ones are counted as failed, their targets forgotten. */
  due(now: number): Array<Pending<Range>> {
    const d = this.open.due(now);
    this.failed += d.expired.length;
    for (const p of d.expired) {
      this.targets.delete(p.key);
      if (this.failedRanges.length < 1024) this.failedRanges.push(p.data);
    }
    return d.retry;
  }

  /** The ranges that failed since the last call (their log epochs' held entries are to be dropped). */
  takeFailed(): Range[] {
    const f = this.failedRanges;
    this.failedRanges = [];
    return f;
  }

  /** Log epochs with a repair target (bounded by `maxLogs`). */
  get targetCount(): number {
    return this.targets.size;
  }
}
