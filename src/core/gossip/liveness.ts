// Liveness of peers from their signed births and deaths (docs/architecture.md §5): the latest message per author
// wins, ordered by (epoch, ts); on a tie the death wins, because an incarnation's Will carries that
// incarnation's own birth time. So a late Will never marks a reborn node dead, and a node that left
// stays left until a newer birth.
// A transport without a broker to publish Wills (the UDP mesh) may also report that an author's node
// stopped answering (its beacons stopped): a local, unsigned hint that keeps the author out of
// discover() until the transport reports it reachable again or a birth newer than the latest arrives.
// It is never forwarded and changes no ordering.

export class Liveness {
  private readonly latest = new Map<string, { epoch: number; ts: number; alive: boolean }>();
  private readonly unreachable = new Set<string>();

  observe(author: string, epoch: number, ts: number, alive: boolean): void {
    const prev = this.latest.get(author);
    if (!prev || epoch > prev.epoch || (epoch === prev.epoch && (ts > prev.ts || (ts === prev.ts && !alive)))) {
      this.latest.set(author, { epoch, ts, alive });
      if (alive && prev) this.unreachable.delete(author); // a newer birth: the node is back
    }
  }

  /** The transport's hint (Transport.onPeer): the author's node stopped, or resumed, answering. Keys that are no agent key are ignored. */
  reachable(author: string, yes: boolean): void {
    if (!/^[0-9a-f]{64}$/.test(author)) return;
    if (yes) this.unreachable.delete(author);
    else this.unreachable.add(author);
  }

  /**
   * What the status page and /peers show as "last seen": `online` (the latest birth says alive; `since` is its
   * signed time), `left` (a death, e.g. the broker's Will; `since` is the time it carries), `unreachable` (the
   * transport's hint; `since` is the latest birth or death seen), `unknown` (no birth or death seen yet).
   */
  state(author: string): { state: 'online' | 'left' | 'unreachable' | 'unknown'; since: number | null } {
    const l = this.latest.get(author);
    if (this.unreachable.has(author)) return { state: 'unreachable', since: l?.ts ?? null };
    if (!l) return { state: 'unknown', since: null };
    return { state: l.alive ? 'online' : 'left', since: l.ts };
  }

  /** True unless the author's latest birth/death says it left or its node is unreachable; unknown authors count as alive. */
  isAlive(author: string): boolean {
    return (this.latest.get(author)?.alive ?? true) && !this.unreachable.has(author);
  }
}
