// Per-peer budgets against floods (issue 7 item 5): token buckets keyed by a peer (an author key, a
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

export class TokenBuckets {
  private readonly buckets = new Map<string, Bucket>();
  /** Refusals over all keys since creation. */
  refusedTotal = 0;

  constructor(
    readonly budget: Budget,
    private readonly maxKeys = 4096,
  ) {
    if (!(budget.perSecond > 0) || !(budget.burst >= 1)) throw new RangeError(`TokenBuckets: budget ${JSON.stringify(budget)} needs perSecond > 0 and burst >= 1`);
    if (!(maxKeys >= 1)) throw new RangeError(`TokenBuckets: maxKeys ${maxKeys} must be >= 1`);
  }

  get size(): number {
    return this.buckets.size;
  }

  /** Takes `cost` tokens from `key`'s bucket; false (and counted) when it does not hold that many. */
  take(key: string, now: number, cost = 1): boolean {
    let b = this.buckets.get(key);
    if (b) this.buckets.delete(key); // re-inserted below: Map order is the LRU order
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
