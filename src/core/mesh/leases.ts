// Pulls the UDP mesh could not answer yet (docs/transports.md "The UDP mesh"): a subscribe that came before the
// item existed here, or a requester not validated yet. Each is kept for LEASE_MS and answered when a matching
// item arrives or the requester echoes its cookie. Bounded: 1024 filters, 256 requesters per filter.

import { topicMatches } from '../base/hub.js';

export const LEASE_MS = 30_000;

export class PullLeases {
  /** filter -> requester -> until (ms). */
  private readonly wanted = new Map<string, Map<string, number>>();

  want(now: number, filter: string, to: string): void {
    if (this.wanted.size >= 1024) this.wanted.delete(this.wanted.keys().next().value!);
    const who = this.wanted.get(filter) ?? new Map<string, number>();
    if (who.size >= 256 && !who.has(to)) who.delete(who.keys().next().value!);
    who.set(to, now + LEASE_MS);
    this.wanted.set(filter, who);
  }

  expire(now: number): void {
    for (const [f, who] of this.wanted) {
      for (const [to, until] of who) if (until <= now) who.delete(to);
      if (who.size === 0) this.wanted.delete(f);
    }
  }

  /** An item named `name` arrived: `answer(to)` for each live lease whose filter matches; true ends the lease. */
  arrived(now: number, name: string, answer: (to: string) => boolean): void {
    for (const [filter, who] of this.wanted) {
      if (!topicMatches(filter, name)) continue;
      for (const [to, until] of who) if (until > now && answer(to)) who.delete(to);
      if (who.size === 0) this.wanted.delete(filter);
    }
  }

  /** `to` was validated: `answer(filter)` for each of its leases; true ends the lease. */
  validated(to: string, answer: (filter: string) => boolean): void {
    for (const [filter, who] of this.wanted) {
      if (!who.has(to)) continue;
      if (answer(filter)) who.delete(to);
      if (who.size === 0) this.wanted.delete(filter);
    }
  }
}
