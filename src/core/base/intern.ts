// One string object per distinct value: agent keys (hex) and topic names decoded from every received message are
// equal strings in distinct objects, and a ledger that keeps them per receipt or per reported value would hold
// one copy per message. Bounded: past `max` distinct values a new one is returned as is (kept, not shared).

export class StringTable {
  private readonly m = new Map<string, string>();

  constructor(private readonly max = 1 << 16) {}

  /** The table's object equal to `s` (`s` itself the first time). */
  of(s: string): string {
    const had = this.m.get(s);
    if (had !== undefined) return had;
    if (this.m.size < this.max) this.m.set(s, s);
    return s;
  }

  get size(): number {
    return this.m.size;
  }
}
