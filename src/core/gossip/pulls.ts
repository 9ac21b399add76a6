// Body pulls by hash (docs/architecture.md §5): one outstanding pull per body hash, completed by the first copy
// whose SHA-256 and length match, from any holder (the broker's retained copy, the author, a
// neighbour). One body can be announced by several entries (same content, other authors); each waits
// on the same pull and is completed by it.

import { toHex } from '../base/bytes.js';
import type { Entry } from '../codec/entry.js';
import { RequestTable } from './requests.js';

export interface Waiter {
  readonly entry: Entry;
  readonly id: string;
}

export class BodyPulls {
  private readonly table: RequestTable<{ waiting: Waiter[] }>;
  requested = 0;
  completed = 0;
  failed = 0;

  constructor(timeoutMs: number, attempts: number, capacity = 1024) {
    this.table = new RequestTable(capacity, timeoutMs, attempts);
  }

  get size(): number {
    return this.table.size;
  }
  has(key: string): boolean {
    return this.table.has(key);
  }
  nextDeadline(): number | undefined {
    return this.table.nextDeadline();
  }

  /** 'new': send the first request now; 'joined': a pull for this body is already out; 'full': refused. */
  want(now: number, w: Waiter): 'new' | 'joined' | 'full' {
    const key = toHex(w.entry.bodyHash);
    const p = this.table.get(key);
    if (p) {
      p.data.waiting.push(w);
      return 'joined';
    }
    return this.table.open(key, { waiting: [w] }, now) ? 'new' : 'full';
  }

  /** The waiters a candidate body completes, or 'mismatch' when its hash or length is wrong. */
  complete(key: string, bytes: Uint8Array, sha256Hex: string): Waiter[] | 'mismatch' | undefined {
    const p = this.table.get(key);
    if (!p) return undefined; // never asked for, or already done: ignored, never stored
    if (sha256Hex !== key || bytes.length !== p.data.waiting[0]!.entry.bodyLen) return 'mismatch';
    this.table.close(key);
    this.completed++;
    return p.data.waiting.filter((w) => w.entry.bodyLen === bytes.length);
  }

  /** Pulls to retry, each with the attempt number and a holder to ask (rotating over the authors). */
  due(now: number): Array<{ entry: Entry; attempt: number }> {
    const d = this.table.due(now);
    this.failed += d.expired.length;
    return d.retry.map((p) => ({
      entry: p.data.waiting[p.attempts % p.data.waiting.length]!.entry,
      attempt: p.attempts,
    }));
  }
}
