// Liveness of peers from their signed births and deaths (DESIGN §5): the latest message per author
// wins, ordered by (epoch, ts); on a tie the death wins, because an incarnation's Will carries that
// incarnation's own birth time. So a late Will never marks a reborn node dead, and a node that left
// stays left until a newer birth.

export class Liveness {
  private readonly latest = new Map<string, { epoch: number; ts: number; alive: boolean }>();

  observe(author: string, epoch: number, ts: number, alive: boolean): void {
    const prev = this.latest.get(author);
    if (!prev || epoch > prev.epoch || (epoch === prev.epoch && (ts > prev.ts || (ts === prev.ts && !alive)))) {
      this.latest.set(author, { epoch, ts, alive });
    }
  }

  /** True unless the author's latest birth/death says it left; unknown authors count as alive. */
  isAlive(author: string): boolean {
    return this.latest.get(author)?.alive ?? true;
  }
}
