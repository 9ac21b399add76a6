// Which authors' birth topics (`n/{author}`) a node listens to (docs/architecture.md §5 liveness). A node subscribes
// to fetch a binding (an unknown author's header or frontier, a receipt's signer); subscribed, it also
// gets every later birth and death of that author, each a message to this node. It needs them only for
// authors that discover() may return, i.e. those it holds a candidate of (finder.ts): liveness filters
// nothing else. So a subscription lapses `graceMs` after it was made unless the author then has a
// candidate or its binding is still awaited, and an author that becomes a candidate later (a body pulled
// for a new interest, candidates restored after a restart) is subscribed (again): the broker's retained
// birth or death brings its liveness up to date. The grace covers the road from binding to candidate:
// entries repaired from the author, then the body pulled, each retried on `pullTimeoutMs`.
//
// Measured (docs/simulator.md): at the paper setting, births and deaths of non-candidates were ~11 kB
// of ~190 kB of bodyless bytes per discovery request.

import type { Outgoing } from '../types.js';

export class BirthWatch {
  /** Subscribed, deciding: author -> when subscribed (ms); insertion order is time order. */
  private readonly probation = new Map<string, number>();
  /** Subscribed for good: authors that had a candidate when their grace ran out, or got one later. */
  private readonly kept = new Set<string>();
  /** Subscribed without a clock (fetch(undefined, ...)): stamped by the next sweep. */
  private readonly unstamped = new Set<string>();

  constructor(
    private readonly emit: (o: Outgoing) => void,
    /** How long a subscription made to fetch a binding stays without a candidate, ms (> 0). */
    private readonly graceMs: number,
  ) {
    if (!(graceMs > 0)) throw new RangeError(`BirthWatch: graceMs must be > 0, got ${graceMs}`);
  }

  /**
   * Subscribes to fetch the author's birth (its binding); `again`: unsubscribe first (a retry).
   * `now` undefined (an API call without a clock): the grace starts at the next sweep.
   */
  fetch(now: number | undefined, author: string, again = false): void {
    // Always (re-)subscribe: a broker sends the retained birth on every SUBSCRIBE, also a repeated one
    // (MQTT 5 Retain Handling 0), which is how an entry of an unknown epoch gets the newer birth.
    if (again && this.isSubscribed(author)) this.emit({ op: 'unsubscribe', channel: 'birth', key: author });
    this.emit({ op: 'subscribe', channel: 'birth', key: author });
    if (this.kept.has(author)) return;
    this.unstamped.delete(author);
    this.probation.delete(author); // re-inserted: the grace starts again, and the map stays in time order
    if (now === undefined) this.unstamped.add(author);
    else this.probation.set(author, now);
  }

  /** The author now has a candidate: listen to its births and deaths from here on. */
  candidate(author: string): void {
    if (this.kept.has(author)) return;
    if (!this.probation.delete(author) && !this.unstamped.delete(author))
      this.emit({ op: 'subscribe', channel: 'birth', key: author });
    this.kept.add(author);
  }

  /** Whether a subscription is still deciding (a heartbeat's sweep has work). */
  sweepPending(): boolean {
    return this.probation.size > 0 || this.unstamped.size > 0;
  }

  /**
   * Each heartbeat: a subscription whose grace ran out is kept for good when its author has a candidate,
   * given another grace while its binding is still awaited, and dropped otherwise.
   */
  sweep(now: number, hasCandidate: (author: string) => boolean, awaited: (author: string) => boolean): void {
    for (const [author, since] of this.probation) {
      if (since + this.graceMs > now) break; // time order: the rest are younger (re-inserted ones too)
      this.probation.delete(author);
      if (hasCandidate(author)) this.kept.add(author);
      else if (awaited(author)) this.probation.set(author, now);
      else this.emit({ op: 'unsubscribe', channel: 'birth', key: author });
    }
    for (const author of this.unstamped) if (!this.probation.has(author)) this.probation.set(author, now);
    this.unstamped.clear();
  }

  isSubscribed(author: string): boolean {
    return this.kept.has(author) || this.probation.has(author) || this.unstamped.has(author);
  }
}
