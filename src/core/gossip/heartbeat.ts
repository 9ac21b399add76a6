// The core's heartbeat (docs/architecture.md §5: a 1 s heartbeat for anti-entropy), as a
// deadline for pollTimeout(): no timer is owned here (docs/conventions.md §2). Each round the core
//   - re-sends the signed frontiers of its own logs that changed in the last `frontierRepeats` rounds
//     (only changed entries: an unchanged log costs nothing), so a follower that lost both the header
//     and the frontier of a new head still learns it (docs/simulator.md finding 1);
//   - re-sends fork proofs it published, for the same reason (gossip/fork-proofs.ts);
//   - every `resyncEvery` rounds (0 = never) re-subscribes the retained frontiers of followed topics,
//     the full (and costly) anti-entropy for heads lost more times than the repeats cover.
// Missed rounds (a node that slept) are not replayed: the next round is one interval after `now`. They are counted,
// though, so that a resync round falls due in wall time (every `resyncEvery` intervals) however the node was woken.
//
// A round with no work is not woken for (docs/devices.md "Ingest": an idle or trickling node does not wake every
// interval for nothing): the caller says whether the next round has work (`nextDeadline(busy, now)`); without work the
// deadline is the next resync round's (or none). A round that gets work after idle intervals starts one interval
// after `now` (the rounds skipped are counted), so a change is repeated an interval after it, not at once.

export interface HeartbeatOptions {
  /** Interval, ms (the profile's heartbeatMs); absent = no heartbeat. */
  readonly heartbeatMs?: number;
  /** Rounds after a change in which a frontier is sent again (default 2). */
  readonly frontierRepeats?: number;
  /** Rounds between full frontier resyncs of followed topics (default 0 = never). */
  readonly resyncEvery?: number;
}

export class Heartbeat {
  round = 0;
  readonly intervalMs: number | undefined;
  readonly repeats: number;
  readonly resyncEvery: number;
  private next: number | undefined;
  /** Whether the last deadline given out was the next round's (the caller had work for it). */
  private armed = false;
  private resync = false;

  constructor(o: HeartbeatOptions) {
    for (const k of ['heartbeatMs', 'frontierRepeats', 'resyncEvery'] as const) {
      const v = o[k];
      if (v !== undefined && (!Number.isSafeInteger(v) || v < (k === 'heartbeatMs' ? 1 : 0)))
        throw new RangeError(`Heartbeat: ${k} must be a non-negative integer (heartbeatMs >= 1)`);
    }
    this.intervalMs = o.heartbeatMs;
    this.repeats = this.intervalMs ? (o.frontierRepeats ?? 2) : 0;
    this.resyncEvery = o.resyncEvery ?? 0;
  }

  start(now: number): void {
    if (this.intervalMs) this.next = now + this.intervalMs;
    this.armed = true;
  }

  /**
   * The next deadline: the next round's when it has work (`busy`, the default), else the next resync round's, or
   * undefined (no heartbeat, or nothing to do and no resync). `now` is the caller's latest time: a round that gets
   * work after idle intervals is moved to one interval after it.
   */
  nextDeadline(busy = true, now?: number): number | undefined {
    const next = this.next;
    if (next === undefined) return undefined;
    const iv = this.intervalMs!;
    if (busy) {
      if (!this.armed && now !== undefined && next <= now) {
        const skipped = Math.floor((now - next) / iv) + 1;
        this.round += skipped;
        this.next = next + skipped * iv;
      }
      this.armed = true;
      return this.next;
    }
    this.armed = false;
    if (!this.resyncEvery) return undefined;
    // Rounds after the next one until the first whose number is a multiple of resyncEvery.
    const k = (this.resyncEvery - ((this.round + 1) % this.resyncEvery)) % this.resyncEvery;
    return next + k * iv;
  }

  /** True when a round is due at `now` (and starts it); the caller then does the round's work. */
  due(now: number): boolean {
    if (this.next === undefined || now < this.next) return false;
    const before = this.round;
    this.round += 1 + Math.floor((now - this.next) / this.intervalMs!); // idle rounds count, none is replayed
    const n = this.resyncEvery;
    this.resync = n > 0 && Math.floor(this.round / n) > Math.floor(before / n);
    this.next = now + this.intervalMs!;
    return true;
  }

  /** Whether the current round is a full-resync round (a multiple of resyncEvery was reached since the last one). */
  get resyncRound(): boolean {
    return this.resync;
  }
}
