// A small generic discrete-event scheduler (docs/architecture.md §10): a virtual clock and a priority queue of timed events.
// Events at the same time fire in insertion order (a sequence number breaks ties), so a run is a pure function of
// its seed and inputs. The scheduler owns a seeded Rng so handlers that need randomness (jitter, sampling) draw it
// from the same deterministic stream; it never reads a real clock (docs/conventions.md §2). Shared by the trust query-cycle harness
// and, later, the gossip simulator.
import { Rng } from './rng.js';

interface Entry<E> {
  time: number;
  seq: number;
  event: E;
}

export class Scheduler<E> {
  /** Current virtual time (unit chosen by the user; the trust harness uses ms within an epoch). */
  now = 0;
  readonly rng: Rng;
  private heap: Entry<E>[] = [];
  private seq = 0;

  constructor(seed: number) {
    this.rng = new Rng(seed);
  }

  get pending(): number {
    return this.heap.length;
  }

  /** Schedules `event` at absolute virtual time `time` (≥ now). */
  at(time: number, event: E): void {
    if (!(time >= this.now)) throw new RangeError(`time: ${time} is before now (${this.now})`);
    this.heap.push({ time, seq: this.seq++, event });
    this.up(this.heap.length - 1);
  }

  /** Schedules `event` `delay` (≥ 0) after now. */
  after(delay: number, event: E): void {
    this.at(this.now + delay, event);
  }

  /** Time of the next event, or undefined when idle (the `pollTimeout()` of docs/conventions.md §2). */
  nextTime(): number | undefined {
    return this.heap[0]?.time;
  }

  /** Removes the earliest event and advances the clock to it. */
  poll(): { time: number; event: E } | undefined {
    const top = this.heap[0];
    if (!top) return undefined;
    const last = this.heap.pop() as Entry<E>;
    if (this.heap.length > 0) {
      this.heap[0] = last;
      this.down(0);
    }
    this.now = top.time;
    return { time: top.time, event: top.event };
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

  private less(a: number, b: number): boolean {
    const x = this.heap[a] as Entry<E>;
    const y = this.heap[b] as Entry<E>;
    return x.time < y.time || (x.time === y.time && x.seq < y.seq);
  }

  private swap(a: number, b: number): void {
    const t = this.heap[a] as Entry<E>;
    this.heap[a] = this.heap[b] as Entry<E>;
    this.heap[b] = t;
  }

  private up(i: number): void {
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!this.less(i, p)) break;
      this.swap(i, p);
      i = p;
    }
  }

  private down(i: number): void {
    const n = this.heap.length;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < n && this.less(l, m)) m = l;
      if (r < n && this.less(r, m)) m = r;
      if (m === i) return;
      this.swap(i, m);
      i = m;
    }
  }
}
