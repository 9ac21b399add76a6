// Outstanding requests with deadlines: body pulls by hash and gap repairs of logs. Pure bookkeeping;
// the agent decides what to send, this decides when something is due again (docs/conventions.md §2: the core owns
// no timer; `nextDeadline` feeds pollTimeout()).

export interface Pending<T> {
  readonly key: string;
  readonly data: T;
  attempts: number;
  deadline: number;
}

export class RequestTable<T> {
  private readonly items = new Map<string, Pending<T>>();
  constructor(
    /** Max outstanding requests; beyond it new ones are refused (a hostile peer cannot grow it). */
    readonly capacity: number,
    /** ms to wait for an answer before retrying. */
    readonly timeoutMs: number,
    /** attempts before giving up. */
    readonly maxAttempts: number,
  ) {}

  has(key: string): boolean {
    return this.items.has(key);
  }
  get(key: string): Pending<T> | undefined {
    return this.items.get(key);
  }
  get size(): number {
    return this.items.size;
  }

  /** Registers a first attempt; false when already pending or full. */
  open(key: string, data: T, now: number): boolean {
    if (this.items.has(key) || this.items.size >= this.capacity) return false;
    this.items.set(key, { key, data, attempts: 1, deadline: now + this.timeoutMs });
    return true;
  }

  close(key: string): Pending<T> | undefined {
    const p = this.items.get(key);
    this.items.delete(key);
    return p;
  }

  /** Items whose deadline passed: `retry` ones get a new deadline, `expired` ones are removed. */
  due(now: number): { retry: Pending<T>[]; expired: Pending<T>[] } {
    const retry: Pending<T>[] = [];
    const expired: Pending<T>[] = [];
    for (const p of this.items.values()) {
      if (p.deadline > now) continue;
      if (p.attempts >= this.maxAttempts) {
        this.items.delete(p.key);
        expired.push(p);
      } else {
        p.attempts++;
        p.deadline = now + this.timeoutMs * p.attempts; // linear backoff
        retry.push(p);
      }
    }
    return { retry, expired };
  }

  nextDeadline(): number | undefined {
    let d: number | undefined;
    for (const p of this.items.values()) if (d === undefined || p.deadline < d) d = p.deadline;
    return d;
  }
}
