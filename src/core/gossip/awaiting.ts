// Messages from authors whose binding we do not have yet (docs/architecture.md §6: T1 needs a T2-verified binding).
// They wait, bounded, while the author's birth (which carries the binding) is fetched; re-subscribing
// to the retained birth is retried with backoff and the messages are dropped when it never comes.

import type { SignedEntry } from '../codec/entry.js';
import { RequestTable } from './requests.js';

/**
 * A message waiting for its author's binding: an entry as it was decoded on arrival (released, it is received
 * without being decoded again), or a frontier's bytes. `key`: the channel key it arrived on (undefined for entries
 * that came in a direct reply).
 */
export type Waiting =
  | { readonly channel: 'header'; readonly key: string | undefined; readonly se: SignedEntry }
  | { readonly channel: 'frontier'; readonly key: string | undefined; readonly bytes: Uint8Array };

export class AwaitingBinding {
  private readonly byAuthor = new Map<string, Waiting[]>();
  private readonly births: RequestTable<string>;

  constructor(
    timeoutMs: number,
    attempts: number,
    private readonly perAuthor = 64,
    private readonly maxAuthors = 1024,
  ) {
    this.births = new RequestTable(maxAuthors, timeoutMs, attempts);
  }

  get size(): number {
    return this.births.size;
  }

  nextDeadline(): number | undefined {
    return this.births.nextDeadline();
  }

  /**
   * Queues a message. Returns 'fetch' when the author's birth must be requested now, 'queued' when a
   * request is already out, or 'full' when the bounds are reached (the caller rejects the message).
   */
  add(now: number, author: string, w: Waiting): 'fetch' | 'queued' | 'full' {
    let list = this.byAuthor.get(author);
    if (!list) {
      if (this.byAuthor.size >= this.maxAuthors) return 'full';
      this.byAuthor.set(author, (list = []));
    }
    if (list.length >= this.perAuthor) return 'full';
    list.push(w);
    return this.births.open(author, author, now) ? 'fetch' : 'queued';
  }

  /** Is a birth request out for the author (messages wait for its binding)? */
  has(author: string): boolean {
    return this.byAuthor.has(author);
  }

  /** The author's binding arrived: returns what waited for it. */
  release(author: string): Waiting[] {
    this.births.close(author);
    const list = this.byAuthor.get(author) ?? [];
    this.byAuthor.delete(author);
    return list;
  }

  /** Authors to ask again, and authors given up on with the messages dropped (and how many). */
  due(now: number): { retry: string[]; dropped: Array<{ author: string; count: number; items: Waiting[] }> } {
    const d = this.births.due(now);
    const dropped = d.expired.map((p) => {
      const items = this.byAuthor.get(p.data) ?? [];
      this.byAuthor.delete(p.data);
      return { author: p.data, count: items.length, items };
    });
    return { retry: d.retry.map((p) => p.data), dropped };
  }
}
