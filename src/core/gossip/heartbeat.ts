// The core's heartbeat (docs/architecture.md §5: a 1 s heartbeat for anti-entropy), as a
// deadline for pollTimeout(): no timer is owned here (docs/conventions.md §2). Each round the core
//   - re-sends the signed frontiers of its own logs that changed in the last `frontierRepeats` rounds
//     (only changed entries: an unchanged log costs nothing), so a follower that lost both the header
//     and the frontier of a new head still learns it (docs/simulator.md finding 1);
//   - re-sends fork proofs it published, for the same reason (gossip/fork-proofs.ts);
//   - every `resyncEvery` rounds (0 = never) re-subscribes the retained frontiers of followed topics,
//     the full (and costly) anti-entropy for heads lost more times than the repeats cover.
// Missed rounds (a node that slept) are not replayed: the next round is one interval after `now`.

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
  }

  nextDeadline(): number | undefined {
    return this.next;
  }

  /** True when a round is due at `now` (and starts it); the caller then does the round's work. */
  due(now: number): boolean {
    if (this.next === undefined || now < this.next) return false;
    this.round++;
    this.next = now + this.intervalMs!;
    return true;
  }

  /** Whether the current round is a full-resync round. */
  get resyncRound(): boolean {
    return this.resyncEvery > 0 && this.round % this.resyncEvery === 0;
  }
}
