// Per-peer budgets against floods (gate.ts says what is charged to whom): token buckets keyed by a peer (an author key, a
// requester key), sans-I/O: every call carries `now` (ms). A bucket holds at most `burst` tokens and
// refills at `perSecond`; a message that finds less than its cost is refused and counted against its
// key, which is what a flooding peer accumulates (its RejectReason is `rate_limited`).
//
// Memory is bounded: at most `maxKeys` buckets, least recently used evicted first. An evicted key
// starts again with a full bucket, so a peer gains nothing by being evicted that it could not get by
// waiting `burst / perSecond` seconds; making many keys costs a binding per key (headers) or only
// reaches the global budget the runtime adds for requests whose key is not authenticated.

export interface Budget {
  /** Sustained rate, tokens per second (> 0). */
  readonly perSecond: number;
  /** Bucket size: the burst a quiet peer may send at once (>= 1). */
  readonly burst: number;
}

interface Bucket {
  tokens: number;
  at: number;
  refused: number;
}

/** Throws unless the budget refills (perSecond > 0), admits at least one (burst >= 1) and the table holds one key. */
function checkBudget(who: string, budget: Budget, maxName: string, max: number): void {
  if (!(budget.perSecond > 0) || !(budget.burst >= 1))
    throw new RangeError(`${who}: budget ${JSON.stringify(budget)} needs perSecond > 0 and burst >= 1`);
  if (!(max >= 1)) throw new RangeError(`${who}: ${maxName} ${max} must be >= 1`);
}

export class TokenBuckets {
  private readonly buckets = new Map<string, Bucket>();
  /** Refusals over all keys since creation. */
  refusedTotal = 0;

  constructor(
    readonly budget: Budget,
    private readonly maxKeys = 4096,
  ) {
    checkBudget('TokenBuckets', budget, 'maxKeys', maxKeys);
  }

  get size(): number {
    return this.buckets.size;
  }

  /** Takes `cost` tokens from `key`'s bucket; false (and counted) when it does not hold that many. */
  take(key: string, now: number, cost = 1): boolean {
    let b = this.buckets.get(key);
    if (b)
      this.buckets.delete(key); // re-inserted below: Map order is the LRU order
    else {
      b = { tokens: this.budget.burst, at: now, refused: 0 };
      if (this.buckets.size >= this.maxKeys) this.buckets.delete(this.buckets.keys().next().value!);
    }
    // A clock going backwards refills nothing (and never drains).
    b.tokens = Math.min(this.budget.burst, b.tokens + (Math.max(0, now - b.at) * this.budget.perSecond) / 1000);
    b.at = Math.max(b.at, now);
    this.buckets.set(key, b);
    if (b.tokens >= cost) {
      b.tokens -= cost;
      return true;
    }
    b.refused++;
    this.refusedTotal++;
    return false;
  }

  /** Refusals of one key (0 for a key not tracked, or evicted). */
  refused(key: string): number {
    return this.buckets.get(key)?.refused ?? 0;
  }

  /** The `n` keys with the most refusals, most first (status: who is flooding). */
  top(n: number): Array<{ key: string; refused: number }> {
    return [...this.buckets]
      .filter(([, b]) => b.refused > 0)
      .map(([key, b]) => ({ key, refused: b.refused }))
      .sort((a, b) => b.refused - a.refused || (a.key < b.key ? -1 : 1))
      .slice(0, n);
  }
}

/**
 * The same budget measured in the author's *signed* time (docs/decisions.md "Local conduct"): per log
 * (author, topic, epoch), the entries that follow one another by seq refill the bucket by the gap between
 * their signed timestamps. An author whose own signatures show it creating entries faster than the budget
 * allows has broken the rule whoever relays them and whenever they arrive: a relayer holding back an honest
 * author's backlog and dumping it at once cannot make it look like a flood (the signed timestamps keep their
 * spacing), and a flooder cannot escape by backdating (equal or decreasing timestamps refill nothing).
 * Only the entry that follows the last one seen counts: a relayer reordering entries can make some of them
 * skip the check, never make an honest author fail it.
 */
export class SignedRate {
  private readonly logs = new Map<string, { seq: number; ts: number; tokens: number }>();
  /** Entries over the signed-time budget since creation. */
  overTotal = 0;

  constructor(
    readonly budget: Budget,
    private readonly maxLogs = 4096,
  ) {
    checkBudget('SignedRate', budget, 'maxLogs', maxLogs);
  }

  /**
   * A fresh, validly signed entry of `log` (author/topic/epoch) at `seq` signed at `ts` (ms). False when it
   * follows the previous entry seen and the author's signed rate has exceeded the budget.
   */
  check(log: string, seq: number, ts: number): boolean {
    const l = this.logs.get(log);
    if (l)
      this.logs.delete(log); // re-inserted below: Map order is the LRU order
    else if (this.logs.size >= this.maxLogs) this.logs.delete(this.logs.keys().next().value!);
    if (!l || seq <= l.seq) {
      // First entry seen of this log, or one at or behind it (a reordering): the next one is checked from here.
      this.logs.set(log, l && seq <= l.seq ? l : { seq, ts, tokens: this.budget.burst - 1 });
      return true;
    }
    const next = { seq, ts: Math.max(l.ts, ts), tokens: l.tokens };
    this.logs.set(log, next);
    if (seq !== l.seq + 1) return true; // a gap: the entries between were not seen, their spacing is unknown
    next.tokens = Math.min(this.budget.burst, l.tokens + (Math.max(0, ts - l.ts) * this.budget.perSecond) / 1000);
    if (next.tokens >= 1) {
      next.tokens -= 1;
      return true;
    }
    this.overTotal++;
    return false;
  }
}
