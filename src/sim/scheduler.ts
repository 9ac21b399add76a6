// The simulator's one event queue and scheduler (docs/architecture.md §10). `EventQueue` is a binary min-heap
// ordered by (virtual time, insertion sequence): ties are FIFO, so a run is a pure function of its seed and inputs
// and never depends on the heap's internal order. The network simulator (net/world.ts) queues closures on it;
// `Scheduler` adds a virtual clock and a seeded Rng for handlers that need randomness (jitter, sampling), and runs
// the trust query-cycle harness. Neither reads a real clock (docs/conventions.md §2).
import { Rng } from './rng.js';

export interface Queued<T> {
  readonly t: number;
  readonly seq: number;
  readonly value: T;
}

export class EventQueue<T = () => void> {
  private readonly heap: Queued<T>[] = [];
  private seq = 0;

  get size(): number {
    return this.heap.length;
  }

  /** Queues `value` at virtual time `t` (finite). */
  push(t: number, value: T): void {
    if (!Number.isFinite(t)) throw new RangeError(`EventQueue.push: time ${t} must be finite`);
    const h = this.heap;
    h.push({ t, seq: this.seq++, value });
    let i = h.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!less(h[i]!, h[p]!)) break;
      [h[i], h[p]] = [h[p]!, h[i]!];
      i = p;
    }
  }

  /** Time of the earliest queued value, or undefined when empty. */
  peekTime(): number | undefined {
    return this.heap[0]?.t;
  }

  /** Removes and returns the earliest queued value. */
  pop(): Queued<T> | undefined {
    const h = this.heap;
    const top = h[0];
    const last = h.pop();
    if (top === undefined || last === undefined || h.length === 0) return top;
    h[0] = last;
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < h.length && less(h[l]!, h[m]!)) m = l;
      if (r < h.length && less(h[r]!, h[m]!)) m = r;
      if (m === i) break;
      [h[i], h[m]] = [h[m]!, h[i]!];
      i = m;
    }
    return top;
  }
}

const less = <T>(a: Queued<T>, b: Queued<T>) => a.t < b.t || (a.t === b.t && a.seq < b.seq);

/** An EventQueue with a virtual clock and a seeded Rng. */
export class Scheduler<E> {
  /** Current virtual time (unit chosen by the user; the trust harness uses ms within an epoch). */
  now = 0;
  readonly rng: Rng;
  private readonly queue = new EventQueue<E>();

  constructor(seed: number) {
    this.rng = new Rng(seed);
  }

  get pending(): number {
    return this.queue.size;
  }

  /** Schedules `event` at absolute virtual time `time` (≥ now). */
  at(time: number, event: E): void {
    if (!(time >= this.now)) throw new RangeError(`time: ${time} is before now (${this.now})`);
    this.queue.push(time, event);
  }

  /** Schedules `event` `delay` (≥ 0) after now. */
  after(delay: number, event: E): void {
    this.at(this.now + delay, event);
  }

  /** Time of the next event, or undefined when idle (the `pollTimeout()` of docs/conventions.md §2). */
  nextTime(): number | undefined {
    return this.queue.peekTime();
  }

  /** Removes the earliest event and advances the clock to it. */
  poll(): { time: number; event: E } | undefined {
    const top = this.queue.pop();
    if (!top) return undefined;
    this.now = top.t;
    return { time: top.t, event: top.value };
  }

  /** Runs events in time order until none remain or the next is after `until`; returns how many ran. */
  run(handle: (event: E, time: number) => void, until = Infinity): number {
    let count = 0;
    for (let t = this.nextTime(); t !== undefined && t <= until; t = this.nextTime()) {
      const e = this.poll() as { time: number; event: E };
      handle(e.event, e.time);
      count++;
    }
    if (until !== Infinity && until > this.now) this.now = until;
    return count;
  }
}
